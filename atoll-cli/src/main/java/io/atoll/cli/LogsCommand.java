package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atoll logs ATOM}: an atom's recent log lines ({@code GET /api/v1/logs}); {@code --follow} keeps polling. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print an atom's recent log lines.")
final class LogsCommand implements Callable<Integer> {
    static final long POLL_MILLIS = 500;
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "ATOM", description = "the atom's full name (see ./atoll ps), or app/definition")
    String atom;

    @Option(names = {"-f", "--follow"}, description = "keep printing new lines (every 500 ms) until Ctrl-C")
    boolean follow;

    @Override
    public Integer call() throws InterruptedException {
        NodeClient client = nodeOptions.client();
        PrintWriter out = spec.commandLine().getOut();
        long after = -1; // -1: from the oldest line the node keeps (sequence numbers start at 0)
        while (true) {
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("atom", atom);
            params.put("after", after);
            JsonNode lines = client.getJson(NodeClient.query("/api/v1/logs", params));
            for (JsonNode line : lines) {
                out.println(format(line, atom));
                after = Math.max(after, line.path("seq").asLong(after));
            }
            out.flush();
            if (!follow) {
                return 0;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** {@code time level text}, with the instance's name when it is not the one asked for. */
    static String format(JsonNode line, String asked) {
        StringBuilder sb = new StringBuilder();
        sb.append(time(line.path("time"))).append(' ');
        sb.append(String.format("%-5s", line.path("level").asText("info").toUpperCase())).append(' ');
        String from = line.path("atom").asText("");
        if (!from.isEmpty() && !from.equals(asked)) {
            sb.append('[').append(from).append("] ");
        }
        sb.append(line.path("text").asText(""));
        return sb.toString();
    }

    static String time(JsonNode t) {
        if (t.isNumber()) {
            return TIME.format(Instant.ofEpochMilli(t.asLong()));
        }
        if (t.isTextual()) {
            try {
                return TIME.format(Instant.parse(t.asText()));
            } catch (RuntimeException notIso) {
                return t.asText();
            }
        }
        return "-";
    }
}
