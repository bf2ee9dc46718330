package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class LogsCommandTest {
    static final long T = 1732330000123L;

    static String local(long millis) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault())
                .format(Instant.ofEpochMilli(millis));
    }

    @Test
    void linesAreTimeLevelText() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/logs", 200, """
                    [{"seq": 4, "time": %d, "level": "info", "atom": "echo/echo/0", "text": "started"},
                     {"seq": 5, "time": "2024-11-23T03:06:40.500Z", "level": "warn", "atom": "echo/echo/0", "text": "slow"}]
                    """.formatted(T));
            Cli r = Cli.run("logs", "echo/echo/0", "--node", node.url());

            assertThat(r.code()).isZero();
            assertThat(r.out().lines()).containsExactly(
                    local(T) + " INFO  started",
                    local(Instant.parse("2024-11-23T03:06:40.500Z").toEpochMilli()) + " WARN  slow");
            assertThat(node.requests.get(0).query()).isEqualTo("atom=echo%2Fecho%2F0&after=-1"); // -1 = from the first line (docs/api.md)
        }
    }

    @Test
    void linesOfOtherInstancesNameThem() throws Exception {
        String line = LogsCommand.format(NodeClient.JSON.readTree(
                "{\"seq\":1,\"time\":" + T + ",\"level\":\"error\",\"atom\":\"shop/cart/r2\",\"text\":\"trap\"}"), "shop/cart");
        assertThat(line).isEqualTo(local(T) + " ERROR [shop/cart/r2] trap");
    }
}
