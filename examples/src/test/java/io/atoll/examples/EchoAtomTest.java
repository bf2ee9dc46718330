package io.atoll.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the built echo.wasm under Chicory against {@link FakeHost}. */
class EchoAtomTest {

    @Test
    void moduleHasTheAbiExportsAndOnlyKnownImports() {
        var module = FakeHost.module("echo");
        assertThat(FakeHost.exports(module)).contains("memory", "_start", "atoll_abi_version", "atoll_alloc",
                "atoll_main", "atoll_on_message", "atoll_recover");
        var imports = module.importSection();
        for (int i = 0; i < imports.importCount(); i++) {
            assertThat(imports.getImport(i).module()).isIn("atoll", "teavm", "teavmMath");
        }
        FakeHost host = new FakeHost("echo/echo/r1");
        host.instantiate("echo");
        assertThat(host.instance.export("atoll_abi_version").apply()[0]).isEqualTo(1L);
    }

    @Test
    void handlerAtomAnswersServeAndEchoesMessages() {
        FakeHost host = new FakeHost("echo/echo/r1");
        host.instantiate("echo");
        assertThat(host.startUp()).as("atoll_main of a handler atom").isEqualTo(1);

        byte[] env = FakeHost.envelope(0, 0, 42L, "app/caller/0", "app/caller/0", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(host.deliver(env)).isZero();

        assertThat(host.sent).hasSize(1);
        FakeHost.Sent reply = host.sent.get(0);
        assertThat(reply.to()).isEqualTo("app/caller/0");
        assertThat(reply.text()).isEqualTo("hello");
        assertThat(reply.flags()).isZero();
        assertThat(reply.correlation()).isEqualTo(42L);
    }

    @Test
    void echoesManyMessagesOfVaryingSizeIncludingBinaryAndEmpty() {
        FakeHost host = new FakeHost("echo/echo/r1");
        host.instantiate("echo");
        assertThat(host.startUp()).isEqualTo(1);
        int[] sizes = {0, 1, 27, 300, 4096, 70_000, 3, 1 << 20};
        for (int i = 0; i < sizes.length; i++) {
            byte[] payload = new byte[sizes[i]];
            for (int j = 0; j < payload.length; j++) {
                payload[j] = (byte) (j * 31 + i);
            }
            assertThat(host.deliver(FakeHost.envelope(0, 1, i, "a/b/" + i, "a/b/" + i, payload))).isZero();
            FakeHost.Sent reply = host.sent.get(host.sent.size() - 1);
            assertThat(reply.to()).isEqualTo("a/b/" + i);
            assertThat(reply.data()).isEqualTo(payload);
            assertThat(reply.correlation()).isEqualTo(i);
        }
        assertThat(host.sent).hasSize(sizes.length);
        assertThat(host.log).isEmpty();
    }

    /** Default heap (4Mi) and default message limit (1Mi): TeaVM's GC must cope with a mixed load. */
    @Test
    @Timeout(120)
    void survivesManyMessagesUpToTheDefaultOneMebibyteLimit() {
        for (int seed = 0; seed < 3; seed++) {
            Random rnd = new Random(seed);
            FakeHost host = new FakeHost("echo/echo/r1");
            host.instantiate("echo");
            assertThat(host.startUp()).isEqualTo(1);
            for (int i = 0; i < 40; i++) {
                int size = rnd.nextInt(3) == 0 ? (1 << 20) - rnd.nextInt(64) : rnd.nextInt(200_000);
                byte[] payload = new byte[size];
                rnd.nextBytes(payload);
                assertThat(host.deliver(FakeHost.envelope(0, 0, i, "a/b/0", "a/b/0", payload))).isZero();
                assertThat(host.lastSent().data()).isEqualTo(payload);
            }
            assertThat(host.teavmLog).isEmpty();
        }
    }

    @Test
    void echoesHttpRequestBodyAsPlainReplyToTheReplyAddress() {
        FakeHost host = new FakeHost("echo/echo/r1");
        host.instantiate("echo");
        assertThat(host.startUp()).isEqualTo(1);

        byte[] env = FakeHost.httpRequest("POST", "/echo?x=1", Map.of("content-type", "text/plain"), "hello",
                "_reply/17", 7L);
        assertThat(host.deliver(env)).isZero();

        assertThat(host.sent).hasSize(1);
        FakeHost.Sent reply = host.sent.get(0);
        assertThat(reply.to()).isEqualTo("_reply/17");
        assertThat(reply.text()).isEqualTo("hello");
        assertThat(reply.flags()).isZero();
        assertThat(reply.correlation()).isEqualTo(7L);
    }

    @Test
    void failedSendBecomesAFaultCodeAndALogLineNotATrap() {
        FakeHost host = new FakeHost("echo/echo/r1");
        host.instantiate("echo");
        assertThat(host.startUp()).isEqualTo(1);
        host.sendResult = s -> -3; // EFULL

        int rc = host.deliver(FakeHost.message("a/b/0", "x"));

        assertThat(rc).isEqualTo(-3);
        assertThat(host.log).hasSize(1);
        assertThat(host.log.get(0)).startsWith("error uncaught exception in the message handler")
                .contains("EFULL").contains("a/b/0");
        // the atom still works afterwards
        host.sendResult = s -> 1;
        assertThat(host.deliver(FakeHost.message("a/b/0", "again"))).isZero();
        assertThat(host.sent.get(host.sent.size() - 1).text()).isEqualTo("again");
    }

    @Test
    void malformedEnvelopeIsRefusedWithEinval() {
        FakeHost host = new FakeHost("echo/echo/r1");
        host.instantiate("echo");
        host.startUp();
        byte[] env = FakeHost.message("a/b/0", "x");
        env[24] = 100; // payload length beyond the envelope
        assertThat(host.deliver(env)).isEqualTo(-5);
        assertThat(host.log.get(0)).contains("malformed envelope");
        assertThat(host.sent).isEmpty();
    }
}
