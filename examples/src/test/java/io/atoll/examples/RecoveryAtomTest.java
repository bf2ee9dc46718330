package io.atoll.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.WasmRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** recovery.wasm: the four ways an atom ends a call (answer, fault code, exit, trap) and atoll_recover. */
class RecoveryAtomTest {

    private static FakeHost started(String name, TreeMap<String, byte[]> kv) {
        FakeHost host = new FakeHost("recovery/" + name + "/0", kv);
        host.instantiate("recovery");
        assertThat(host.startUp()).isEqualTo(1);
        return host;
    }

    @Test
    void answersOkWithItsDefinitionNameAndCount() {
        FakeHost host = started("restart", new TreeMap<>());
        assertThat(host.deliver(FakeHost.message("app/c/0", "hello"))).isZero();
        assertThat(host.lastSent().text()).isEqualTo("ok restart 1");
        assertThat(host.deliver(FakeHost.httpRequest("POST", "/restart", Map.of(), "hi", "_reply/1", 5))).isZero();
        FakeHost.HttpAnswer answer = FakeHost.decodeHttpResponse(host.lastSent().data());
        assertThat(answer.body()).isEqualTo("ok restart 2\n");
        assertThat(host.lastSent().correlation()).isEqualTo(5);
    }

    @Test
    void faultCommandEndsTheCallWithANegativeCodeAndAnErrorLogLine() {
        FakeHost host = started("none", new TreeMap<>());
        int rc = host.deliver(FakeHost.message("app/c/0", "fault"));
        assertThat(rc).isNegative();
        assertThat(host.log).singleElement().asString()
                .startsWith("error uncaught exception in the message handler")
                .contains("IllegalStateException").contains("fault requested by app/c/0");
        assertThat(host.sent).isEmpty();
    }

    @Test
    void exitCommandCallsExitWithThree() {
        FakeHost host = started("restart", new TreeMap<>());
        assertThatThrownBy(() -> host.deliver(FakeHost.message("app/c/0", "exit")))
                .isInstanceOf(FakeHost.AtomExit.class)
                .satisfies(e -> assertThat(((FakeHost.AtomExit) e).code).isEqualTo(3));
    }

    @Test
    void trapCommandTrapsTheEngine() {
        FakeHost host = started("restart", new TreeMap<>());
        // Chicory reports an out-of-bounds access as WasmRuntimeException (not its TrapException):
        // a runtime must treat both as a trap of the atom.
        assertThatThrownBy(() -> host.deliver(FakeHost.message("app/c/0", "trap")))
                .hasRootCauseInstanceOf(WasmRuntimeException.class)
                .rootCause().hasMessageContaining("out of bounds memory access");
    }

    @Test
    void recoverHookRecordsTheFaultInStorage() {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        FakeHost first = started("recover", kv);
        assertThat(first.deliver(FakeHost.message("app/c/0", "fault"))).isNegative();

        // What the runtime does under "recovery: recover": a fresh instance, start-up, atoll_recover.
        FakeHost second = started("recover", kv);
        assertThat(second.recover("handler returned -7")).isZero();
        assertThat(new String(kv.get("recoveries"), StandardCharsets.UTF_8)).isEqualTo("1");
        assertThat(new String(kv.get("last-fault"), StandardCharsets.UTF_8)).isEqualTo("handler returned -7");
        assertThat(second.log).containsExactly("warn recovering (1): handler returned -7");

        assertThat(second.deliver(FakeHost.message("app/c/0", "status"))).isZero();
        assertThat(second.lastSent().text()).isEqualTo("recoveries 1, last fault: handler returned -7");
        assertThat(second.deliver(FakeHost.message("app/c/0", "again"))).isZero();
        assertThat(second.lastSent().text()).isEqualTo("ok recover 1");
    }
}
