package io.atoll.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Runs the built counter.wasm (loop style) under Chicory against {@link FakeHost}. */
class CounterAtomTest {

    @Test
    void loopAtomCountsPersistsAndReloadsItsCount() {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        FakeHost host = new FakeHost("counter/counter/0", kv);
        host.instantiate("counter");
        host.mailbox.add(FakeHost.message("app/client/0", "inc"));
        host.mailbox.add(FakeHost.message("app/client/0", "inc"));
        host.mailbox.add(FakeHost.message("app/client/1", "get"));
        host.mailbox.add(FakeHost.message("app/client/1", "bogus"));

        assertThat(host.runLoopUntilDrained()).as("still looping when the mailbox ran dry").isNull();

        assertThat(host.sent).extracting(FakeHost.Sent::to)
                .containsExactly("app/client/0", "app/client/0", "app/client/1", "app/client/1");
        assertThat(host.sent).extracting(FakeHost.Sent::text)
                .containsExactly("1", "2", "2", "unknown command (want inc or get)");
        assertThat(new String(kv.get("count"), StandardCharsets.UTF_8)).isEqualTo("2");
        assertThat(host.receiveTimeouts).containsOnly(-1L).hasSize(5);
        assertThat(host.log).containsExactly("info counter starts at 0");

        // A restarted instance (fresh memory, same storage) continues from the stored count.
        FakeHost again = new FakeHost("counter/counter/0", kv);
        again.instantiate("counter");
        again.mailbox.add(FakeHost.message("app/client/0", "get"));
        again.mailbox.add(FakeHost.message("app/client/0", "inc"));
        assertThat(again.runLoopUntilDrained()).isNull();
        assertThat(again.sent).extracting(FakeHost.Sent::text).containsExactly("2", "3");
        assertThat(again.log).containsExactly("info counter starts at 2");
        assertThat(new String(kv.get("count"), StandardCharsets.UTF_8)).isEqualTo("3");
    }

    @Test
    void answersHttpGetAndPostWithFullResponses() {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        kv.put("count", "41".getBytes(StandardCharsets.UTF_8));
        FakeHost host = new FakeHost("counter/counter/0", kv);
        host.instantiate("counter");
        host.mailbox.add(FakeHost.httpRequest("GET", "/counter", Map.of(), "", "_reply/1", 11));
        host.mailbox.add(FakeHost.httpRequest("POST", "/counter", Map.of("content-length", "0"), "", "_reply/2", 12));
        host.mailbox.add(FakeHost.httpRequest("DELETE", "/counter", Map.of(), "", "_reply/3", 13));

        assertThat(host.runLoopUntilDrained()).isNull();

        assertThat(host.sent).hasSize(3);
        FakeHost.Sent get = host.sent.get(0);
        assertThat(get.to()).isEqualTo("_reply/1");
        assertThat(get.flags()).as("HTTP_RESPONSE flag").isEqualTo(0x8);
        assertThat(get.correlation()).isEqualTo(11);
        FakeHost.HttpAnswer getAnswer = FakeHost.decodeHttpResponse(get.data());
        assertThat(getAnswer.status()).isEqualTo(200);
        assertThat(getAnswer.body()).isEqualTo("41\n");
        assertThat(getAnswer.headers()).containsEntry("content-type", "text/plain; charset=utf-8");

        FakeHost.HttpAnswer post = FakeHost.decodeHttpResponse(host.sent.get(1).data());
        assertThat(post.status()).isEqualTo(200);
        assertThat(post.body()).isEqualTo("42\n");
        assertThat(new String(kv.get("count"), StandardCharsets.UTF_8)).isEqualTo("42");

        FakeHost.HttpAnswer delete = FakeHost.decodeHttpResponse(host.sent.get(2).data());
        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.headers()).containsEntry("allow", "GET, POST");
    }

    @Test
    void loopAtomExportsAtollMainThatDoesNotAnswerServe() {
        FakeHost host = new FakeHost("counter/counter/0");
        host.instantiate("counter");
        // An empty mailbox: the loop blocks in receive(-1) at once, proving atoll_main is the loop.
        assertThat(host.runLoopUntilDrained()).isNull();
        assertThat(host.receiveTimeouts).containsExactly(-1L);
        assertThat(host.sent).isEmpty();
    }
}
