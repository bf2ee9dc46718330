package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SendCommandTest {

    @Test
    void replyIsPrinted() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("POST /api/v1/send", 200, "HELLO");
            Cli r = Cli.run("send", "echo/echo", "hello", "--node", node.url());

            assertThat(r.code()).isZero();
            assertThat(r.out()).isEqualTo("HELLO\n");
            FakeNode.Request req = node.requests.get(0);
            assertThat(req.query()).isEqualTo("to=echo%2Fecho&wait=2000ms");
            assertThat(req.text()).isEqualTo("hello");
        }
    }

    @Test
    void noReplyMeansDelivered() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("POST /api/v1/send", 202, "");
            Cli r = Cli.run("send", "pubsub/hub", "{\"topic\":\"t\"}", "--wait", "0", "--node", node.url());

            assertThat(r.code()).isZero();
            assertThat(r.out()).isEqualTo("delivered (no reply)\n");
            assertThat(node.requests.get(0).query()).isEqualTo("to=pubsub%2Fhub&wait=0");
        }
    }

    @Test
    void unknownAtomShowsTheNodesError() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("POST /api/v1/send", 404, "{\"error\":\"no atom named nope\",\"hint\":\"see ./atoll ps\"}");
            Cli r = Cli.run("send", "nope", "x", "--node", node.url());

            assertThat(r.code()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().lines()).containsExactly("error: no atom named nope", "hint: see ./atoll ps");
        }
    }

    @Test
    void durationsParse() {
        assertThat(SendCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(SendCommand.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(SendCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(SendCommand.parseDuration("0")).isEqualTo(Duration.ZERO);
        Cli bad = Cli.run("send", "a", "b", "--wait", "soon");
        assertThat(bad.err().lines()).containsExactly(
                "error: not a duration: soon", "hint: write it like 500ms, 2s or 1m (0 = don't wait)");
    }
}
