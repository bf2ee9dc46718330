package io.atoll.testatoms;

import static io.atoll.testatoms.FakeHost.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The loop-style probe: atoll_main loops on receive(-1). */
class ProbeLoopTest {
    private final FakeHost host = new FakeHost("probe_loop");

    private void queue(String text) {
        host.mailbox.add(FakeHost.envelope(0, 0, 7, "_api", "_reply/9", utf8(text)));
    }

    @Test
    void loopsOverTheMailboxUntilExit() {
        queue("echo a");
        queue("kvput k v");
        queue("echo " + "y".repeat(5000)); // grows the reused receive buffer
        queue("echo b");
        queue("count");
        queue("exit 0");
        queue("echo never");
        assertThatThrownBy(() -> host.instance.export("atoll_main").apply())
                .isInstanceOfSatisfying(FakeHost.AtomExit.class, e -> assertThat(e.code).isZero());
        assertThat(host.sent).extracting(FakeHost.Sent::text)
                .containsExactly("a", "ok", "y".repeat(5000), "b", "5", "bye 0");
        assertThat(host.sent).allSatisfy(s -> {
            assertThat(s.to()).isEqualTo("_reply/9");
            assertThat(s.correlation()).isEqualTo(7L);
        });
        assertThat(host.mailbox).hasSize(1);
    }

    @Test
    void returnEndsMainWithTheCode() {
        queue("echo a");
        queue("return 4");
        assertThat(host.instance.export("atoll_main").apply()[0]).isEqualTo(4L);
        assertThat(host.sent).extracting(FakeHost.Sent::text).containsExactly("a", "returning 4");
    }

    @Test
    void blocksInReceiveWhenTheMailboxIsEmpty() {
        queue("echo a");
        assertThatThrownBy(() -> host.instance.export("atoll_main").apply()).isInstanceOf(FakeHost.MailboxEmpty.class);
        assertThat(host.sent).hasSize(1);
    }
}
