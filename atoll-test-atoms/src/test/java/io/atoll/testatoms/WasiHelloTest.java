package io.atoll.testatoms;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** wasi_hello prints through WASI fd_write and answers "printed". */
class WasiHelloTest {
    @Test
    void printsToStdout() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try (WasiPreview1 wasi = WasiPreview1.builder()
                .withOptions(WasiOptions.builder().withStdout(stdout).build())
                .build()) {
            FakeHost host = new FakeHost("wasi_hello", MemoryLimits.MAX_PAGES, wasi.toHostFunctions());
            assertThat(host.ask("hi")).isEqualTo("printed");
            assertThat(host.ask("again")).isEqualTo("printed");
        }
        assertThat(stdout.toString(StandardCharsets.UTF_8)).isEqualTo("hello from wasi\nhello from wasi\n");
    }
}
