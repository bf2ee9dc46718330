package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code atoll migrate ATOM --to NODE}: moves a running atom to another node of the cluster
 * ({@code POST /api/v1/atoms/{name}/migrate?to=NODE}) and reports how it went.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = "Move a running atom to another node, with its state and its waiting messages.")
final class MigrateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "ATOM", description = "the instance to move: app/definition/instance")
    String atom;

    @Option(names = "--to", required = true, paramLabel = "NODE", description = "the node to move it to (see: atoll nodes)")
    String to;

    @Option(names = "--stop-and-copy", description = "copy the whole memory during the pause instead of pre-copying it"
            + " while the atom runs (longer downtime; for comparison)")
    boolean stopAndCopy;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("moving " + atom + " to " + to + " ...");
        out.flush();
        NodeClient client = nodeOptions.client();
        CompletableFuture<NodeClient.Response> move = CompletableFuture.supplyAsync(() -> client.post(
                NodeClient.query("/api/v1/atoms/" + atom + "/migrate", Map.of("to", to, "precopy", String.valueOf(!stopAndCopy))),
                new byte[0], Duration.ofSeconds(120)));
        showProgress(client, move, out);
        NodeClient.Response r;
        try {
            r = move.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        JsonNode report;
        try {
            report = NodeClient.JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            throw new io.atoll.abi.AtollException("the node answered with something else than a migration report", null);
        }
        out.printf("moved %s from %s to %s: downtime %s ms, total %s ms, %,d bytes, %d pre-copy rounds%n",
                report.path("atom").asText(), report.path("from").asText(), report.path("to").asText(),
                report.path("downtimeMs").asText(), report.path("totalMs").asText(), report.path("bytes").asLong(),
                report.path("preCopyRounds").asInt());
        out.flush();
        return 0;
    }

    /**
     * While the move runs, asks the atom's node where it is ({@code migration} in
     * {@code GET /api/v1/atoms/{name}}) and prints each new phase. Best effort: a node this
     * command cannot reach just means no progress lines.
     */
    private void showProgress(NodeClient client, CompletableFuture<?> move, PrintWriter out) {
        NodeClient owner = null;
        String last = "";
        while (!move.isDone()) {
            try {
                if (owner == null) {
                    owner = ownerOf(client);
                }
                JsonNode m = owner == null ? null : owner.getJson("/api/v1/atoms/" + atom).path("migration");
                if (m != null && !m.isMissingNode()) {
                    String phase = m.path("phase").asText();
                    String line = switch (phase) {
                        case "pre-copy" -> String.format("  pre-copy round %d: %s sent (memory %s)", m.path("round").asInt(),
                                mib(m.path("bytes").asLong()), mib(m.path("memoryBytes").asLong()));
                        case "capture" -> "  paused at a safe point: capturing what changed";
                        case "prepare" -> String.format("  sending the state (%s so far)", mib(m.path("bytes").asLong()));
                        case "commit" -> "  switching the name to " + to;
                        case "resume" -> "  resuming on " + to;
                        default -> "";
                    };
                    if (!line.isEmpty() && !line.equals(last)) {
                        out.println(line);
                        out.flush();
                        last = line;
                    }
                }
                move.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
                // not done yet, or no progress to show: keep waiting for the move itself
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                return; // the move's own error is reported by the caller
            }
        }
    }

    /** A client for the node that runs the atom (from the directory and the node list), or null. */
    private NodeClient ownerOf(NodeClient client) {
        String node = client.getJson("/api/v1/atoms/" + atom).path("node").asText("");
        for (JsonNode n : client.getJson("/api/v1/nodes")) {
            if (n.path("name").asText().equals(node) && n.hasNonNull("address")) {
                return new NodeClient(n.path("address").asText(), nodeOptions.token);
            }
        }
        return node.isEmpty() ? null : client;
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }
}
