package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
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
        NodeClient.Response r = nodeOptions.client().post(
                NodeClient.query("/api/v1/atoms/" + atom + "/migrate",
                        Map.of("to", to, "precopy", String.valueOf(!stopAndCopy))), new byte[0], Duration.ofSeconds(120));
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
}
