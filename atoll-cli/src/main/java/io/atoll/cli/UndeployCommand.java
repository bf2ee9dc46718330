package io.atoll.cli;

import io.atoll.abi.AtollException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code atoll undeploy APP}: stops the application's atoms and removes it ({@code DELETE /api/v1/apps/APP}). */
@Command(name = "undeploy", mixinStandardHelpOptions = true, description = "Stop an application's atoms and remove it from the node.")
final class UndeployCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Parameters(index = "0", paramLabel = "APP", description = "the application's name (app: in its manifest)")
    String app;

    @Override
    public Integer call() {
        try {
            nodeOptions.client().delete("/api/v1/apps/" + URLEncoder.encode(app, StandardCharsets.UTF_8));
        } catch (AtollException e) {
            if (e.hint() != null) {
                throw e;
            }
            throw new AtollException(e.getMessage(), "./atoll ps lists the applications (the first part of each atom's name)", e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("undeployed " + app);
        out.flush();
        return 0;
    }
}
