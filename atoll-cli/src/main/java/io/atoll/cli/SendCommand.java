package io.atoll.cli;

import io.atoll.abi.AtollException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atoll send ATOM PAYLOAD}: one message ({@code POST /api/v1/send}); prints the reply if one comes. */
@Command(name = "send", mixinStandardHelpOptions = true, description = "Send a message to an atom and print its reply.")
final class SendCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)?");

    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "ATOM",
            description = "the receiver: app/definition (routed by its policy), app/definition/instance, or an alias")
    String atom;

    @Parameters(index = "1", paramLabel = "PAYLOAD", description = "the message (sent as UTF-8 bytes)")
    String payload;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "2s",
            description = "how long to wait for a reply: 500ms, 2s, 1m; 0 = don't wait (default: ${DEFAULT-VALUE})")
    String wait;

    @Override
    public Integer call() {
        Duration waitFor = parseDuration(wait);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("to", atom);
        params.put("wait", waitFor.isZero() ? "0" : waitFor.toMillis() + "ms");
        NodeClient.Response r = nodeOptions.client().post(NodeClient.query("/api/v1/send", params),
                payload.getBytes(StandardCharsets.UTF_8), waitFor.plus(NodeClient.DEFAULT_TIMEOUT));
        PrintWriter out = spec.commandLine().getOut();
        if (r.status() == 202) {
            out.println("delivered (no reply)");
        } else {
            String reply = r.text();
            out.print(reply);
            if (!reply.endsWith("\n")) {
                out.println();
            }
        }
        out.flush();
        return 0;
    }

    static Duration parseDuration(String s) {
        Matcher m = DURATION.matcher(s == null ? "" : s.strip());
        if (!m.matches()) {
            throw new AtollException("not a duration: " + s, "write it like 500ms, 2s or 1m (0 = don't wait)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
