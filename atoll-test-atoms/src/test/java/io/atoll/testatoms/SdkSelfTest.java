package io.atoll.testatoms;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the C SDK's own unit tests (atoll-test-atoms/src/c/sdk_selftest.c) inside Wasm. */
class SdkSelfTest {
    @Test
    void sdkSelftestPasses() {
        FakeHost host = new FakeHost("sdk_selftest");
        long failures = host.instance.export("selftest").apply()[0];
        assertThat(host.logs).as("failures logged by the atom").isEmpty();
        assertThat(failures).isZero();
        assertThat(host.ask("go")).isEqualTo("0 failures");
    }
}
