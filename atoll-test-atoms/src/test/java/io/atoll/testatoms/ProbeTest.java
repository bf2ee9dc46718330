package io.atoll.testatoms;

import static io.atoll.testatoms.FakeHost.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.TrapException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The handler-style probe (and through it the C SDK) on a fake host. */
class ProbeTest {
    private final FakeHost host = new FakeHost("probe");

    @Test
    void abiVersionIsOne() {
        assertThat(host.instance.export("atoll_abi_version").apply()[0]).isEqualTo(1L);
    }

    @Test
    void echoRepliesToReplyToWithTheSameCorrelation() {
        assertThat(host.command("echo hi")).isZero();
        assertThat(host.sent).hasSize(1);
        FakeHost.Sent s = host.sent.get(0);
        assertThat(s.to()).isEqualTo("_reply/1");
        assertThat(s.text()).isEqualTo("hi");
        assertThat(s.flags()).isZero();
        assertThat(s.correlation()).isEqualTo(42L);
        assertThat(host.ask("echo  two  spaces ")).isEqualTo(" two  spaces ");
        assertThat(host.ask("echo")).isEmpty();
    }

    @Test
    void trapTraps() {
        assertThatThrownBy(() -> host.command("trap")).isInstanceOf(TrapException.class);
    }

    @Test
    void countCountsMessagesOfThisInstance() {
        assertThat(host.ask("count")).isEqualTo("1");
        host.ask("echo x");
        assertThat(host.ask("count")).isEqualTo("3");
    }

    @Test
    void keyValue() {
        assertThat(host.ask("kvget k")).isEqualTo("notfound");
        assertThat(host.ask("kvput k hello world")).isEqualTo("ok");
        assertThat(new String(host.kv.get("k"))).isEqualTo("hello world");
        assertThat(host.ask("kvget k")).isEqualTo("hello world");
        host.ask("kvput k2 v2");
        host.ask("kvput other x");
        assertThat(host.ask("kvscan k")).isEqualTo("k=hello world\nk2=v2");
        assertThat(host.ask("kvscan")).isEqualTo("k=hello world\nk2=v2\nother=x");
        assertThat(host.ask("kvscan nothing")).isEmpty();
        assertThat(host.ask("kvdel k")).isEqualTo("ok");
        assertThat(host.kv).doesNotContainKey("k");
        assertThat(host.ask("kvget k")).isEqualTo("notfound");
    }

    @Test
    void aliasesAndLookup() {
        assertThat(host.ask("alias workers")).isEqualTo("ok");
        assertThat(host.aliases).containsExactly("workers");
        assertThat(host.ask("unalias workers")).isEqualTo("ok");
        assertThat(host.ask("unalias workers")).isEqualTo("ENOTFOUND");
        host.lookupAnswers.put("1:test/probe", "test/probe/0\ntest/probe/1");
        host.lookupAnswers.put("3:.*", "a\nb");
        assertThat(host.ask("lookup prefix test/probe")).isEqualTo("test/probe/0\ntest/probe/1");
        assertThat(host.ask("lookup 3 .*")).isEqualTo("a\nb");
        assertThat(host.ask("lookup exact none")).isEmpty();
    }

    @Test
    void sendReportsTheCodeAndFlags() {
        assertThat(host.command("send test/other/0 hello there")).isZero();
        assertThat(host.sent).hasSize(2);
        FakeHost.Sent s = host.sent.get(0);
        assertThat(s.to()).isEqualTo("test/other/0");
        assertThat(s.text()).isEqualTo("hello there");
        assertThat(s.flags()).isZero();
        assertThat(host.last().text()).isEqualTo("1 OK");

        host.command("sendalias workers ping");
        assertThat(host.sent.get(2).flags()).isEqualTo(0x2);
        assertThat(host.last().text()).isEqualTo("1 OK");
        host.command("sendpattern test/.* ping");
        assertThat(host.sent.get(4).flags()).isEqualTo(0x4);
        assertThat(host.sent.get(4).to()).isEqualTo("test/.*");

        host.sendResult = () -> -3;
        host.command("send test/full/0 x");
        assertThat(host.last().text()).isEqualTo("-3 EFULL");
    }

    @Test
    void fifoSendsNumberedMessagesWithTheFifoFlag() {
        assertThat(host.command("fifo test/b/0 3")).isZero();
        assertThat(host.sent).hasSize(4);
        for (int i = 0; i < 3; i++) {
            assertThat(host.sent.get(i).to()).isEqualTo("test/b/0");
            assertThat(host.sent.get(i).text()).isEqualTo("seq " + i);
            assertThat(host.sent.get(i).flags()).isEqualTo(0x1);
        }
        assertThat(host.last().text()).isEqualTo("sent 3");
    }

    @Test
    void seqMessagesFromAtomsAreRecordedNotAnswered() {
        host.fromAtom("test/a/0", "seq 0");
        host.fromAtom("test/a/0", "seq 1");
        host.fromAtom("test/c/0", "seq 7");
        host.fromAtom("test/a/0", "seq 2");
        assertThat(host.sent).isEmpty();
        assertThat(host.ask("seqs test/a/0")).isEqualTo("0 1 2");
        assertThat(host.ask("seqs test/c/0")).isEqualTo("7");
        assertThat(host.ask("seqs nobody")).isEmpty();
        assertThat(host.ask("seq 5")).isEqualTo("ok"); // from the API: answered
        assertThat(host.ask("seqs _api")).isEqualTo("5");
    }

    @Test
    void unknownTextIsEchoedToReplyAddressesAndKeptFromAtoms() {
        assertThat(host.ask("what is this")).isEqualTo("unknown: what is this");
        host.fromAtom("test/b/0", "1 OK");
        host.fromAtom("test/b/0", "hi there");
        assertThat(host.sent).hasSize(1); // no ping-pong between probes
        assertThat(host.ask("inbox")).isEqualTo("test/b/0 1 OK\ntest/b/0 hi there");
    }

    @Test
    void knownCommandsFromAtomsAreAnsweredToTheSender() {
        host.fromAtom("test/b/0", "echo back");
        assertThat(host.last().to()).isEqualTo("test/b/0");
        assertThat(host.last().text()).isEqualTo("back");
    }

    @Test
    void selfSpawnClockRandomLog() {
        assertThat(host.ask("self")).isEqualTo("test/probe/0");
        assertThat(host.ask("spawn worker")).isEqualTo("test/worker/r1");
        String[] clock = host.ask("clock").split(" ");
        assertThat(Long.parseLong(clock[0])).isCloseTo(System.currentTimeMillis() * 1_000_000L, org.assertj.core.data.Offset.offset(60_000_000_000L));
        assertThat(Long.parseLong(clock[1])).isPositive();
        assertThat(host.ask("random 4")).matches("[0-9a-f]{8}");
        assertThat(host.ask("random 0")).isEmpty();
        assertThat(host.ask("log warn careful")).isEqualTo("ok");
        assertThat(host.ask("log 1 dbg")).isEqualTo("ok");
        assertThat(host.logs).containsExactly(new FakeHost.Log(3, "careful"), new FakeHost.Log(1, "dbg"));
    }

    @Test
    void exitRepliesThenExits() {
        assertThatThrownBy(() -> host.command("exit 3"))
                .isInstanceOfSatisfying(FakeHost.AtomExit.class, e -> assertThat(e.code).isEqualTo(3));
        assertThat(host.last().text()).isEqualTo("bye 3");
    }

    @Test
    void returnMakesTheHandlerReturnTheCode() {
        assertThat(host.command("return -7")).isEqualTo(-7);
        assertThat(host.command("return 0")).isZero();
    }

    @Test
    void growAllocatesUntilTheMemoryLimitAndStaysUsable() {
        FakeHost small = new FakeHost("probe", 256); // 16 MiB
        assertThat(small.ask("grow 3")).isEqualTo("grew 3");
        String r = small.ask("grow 100000");
        int n = Integer.parseInt(r.substring("grew ".length()));
        assertThat(n).isBetween(10, 15);
        assertThat(small.memory().pages()).isLessThanOrEqualTo(256);
        assertThat(small.ask("echo still alive")).isEqualTo("still alive");
        assertThat(small.ask("grow 5")).isEqualTo("grew 5"); // the freed memory is reused
        assertThat(Long.parseLong(small.ask("mem"))).isEqualTo(small.memory().pages() * 65536L);
    }

    @Test
    void recoverStoresAMarker() {
        assertThat(host.callRecover("trap in handler")).isZero();
        assertThat(new String(host.kv.get("recovered"))).isEqualTo("yes");
        assertThat(new String(host.kv.get("recovered_fault"))).isEqualTo("trap in handler");
    }

    @Test
    void httpRequestBodyIsTheCommandAndThePlainReplyAnswersIt() {
        byte[] req = FakeHost.httpRequest("POST", "/probe", List.of(Map.entry("content-type", "text/plain")), utf8("echo via http"));
        assertThat(host.deliver(FakeHost.envelope(1, 0, 5, "_ingress", "_reply/h1", req))).isZero();
        assertThat(host.last().to()).isEqualTo("_reply/h1");
        assertThat(host.last().text()).isEqualTo("via http");
        assertThat(host.last().flags()).isZero();
        assertThat(host.last().correlation()).isEqualTo(5L);
    }

    @Test
    void httpCommandAnswersWithAnEncodedResponse() {
        byte[] req = FakeHost.httpRequest("POST", "/probe", List.of(), utf8("http 201 made it"));
        host.deliver(FakeHost.envelope(1, 0, 0, "_ingress", "_reply/h2", req));
        FakeHost.Sent s = host.sent.get(0);
        assertThat(s.flags()).isEqualTo(0x8);
        FakeHost.HttpResponse r = FakeHost.decodeHttpResponse(s.data());
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.headers()).containsExactly(Map.entry("content-type", "text/plain"), Map.entry("x-probe", "yes"));
        assertThat(r.body()).isEqualTo("made it");
    }

    @Test
    void reqDescribesTheHttpRequest() {
        byte[] req = FakeHost.httpRequest("PUT", "/p/q?a=1&b=2",
                List.of(Map.entry("x-one", "1"), Map.entry("accept", "*/*")), utf8("req"));
        host.deliver(FakeHost.envelope(1, 0, 0, "_ingress", "_reply/h3", req));
        assertThat(host.last().text()).isEqualTo("PUT /p/q?a=1&b=2\npath=/p/q\nquery=a=1&b=2\nx-one: 1\naccept: */*");
        assertThat(host.ask("req")).isEqualTo("not http");
    }

    @Test
    void malformedEnvelopeIsRejected() {
        byte[] env = FakeHost.envelope(0, 0, 0, "a", "b", utf8("echo x"));
        byte[] truncated = java.util.Arrays.copyOf(env, env.length - 1);
        assertThat(host.deliver(truncated)).isEqualTo(-5);
        assertThat(host.sent).isEmpty();
    }

    @Test
    void manyMessagesDoNotLeakMemory() {
        String big = "echo " + "x".repeat(100_000);
        for (int i = 0; i < 20; i++) {
            host.ask(big);
        }
        int pages = host.memory().pages();
        for (int i = 0; i < 100; i++) { // 10 MB in total through a memory that does not grow
            host.ask(big);
        }
        assertThat(host.memory().pages()).isEqualTo(pages);
    }
}
