package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.atoll.abi.AtollException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code atoll update ATOM --module NEW.wasm}: live update. Uploads the module
 * ({@code PUT /api/v1/modules/<sha256>}), then asks the atom to continue in it with its state
 * ({@code POST /api/v1/atoms/{name}/update?module=sha256:HEX}); the node refuses, with the
 * reasons, when the new version's memory or global layout does not match.
 */
@Command(name = "update", mixinStandardHelpOptions = true,
        description = "Live update: a running atom continues, with its state, in a new version of its module.")
final class UpdateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "ATOM", description = "the instance to update: app/definition/instance")
    String atom;

    @Option(names = "--module", required = true, paramLabel = "FILE", description = "the new version (.wasm)")
    Path module;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(module);
        } catch (IOException e) {
            throw new AtollException("cannot read " + module + ": " + e.getMessage(), "check the path");
        }
        String hash = DeployCommand.sha256Hex(bytes);
        NodeClient client = nodeOptions.client();
        client.putBytes("/api/v1/modules/" + hash, bytes);
        out.printf("uploaded %s (%,d bytes, sha256:%s); updating %s ...%n", module, bytes.length, hash.substring(0, 12), atom);
        out.flush();
        NodeClient.Response r = client.post(NodeClient.query("/api/v1/atoms/" + atom + "/update", Map.of("module", "sha256:" + hash)),
                new byte[0], Duration.ofSeconds(120));
        JsonNode report;
        try {
            report = NodeClient.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AtollException("the node answered with something else than an update report", null);
        }
        out.printf("updated %s on %s from sha256:%s to sha256:%s: paused %s ms%n", report.path("atom").asText(),
                report.path("node").asText(), report.path("from").asText().substring(0, 12),
                report.path("to").asText().substring(0, 12), report.path("pauseMs").asText());
        out.flush();
        return 0;
    }
}
