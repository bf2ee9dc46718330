package io.atoll.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code atoll node ...}: the commands that run a node in this process. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a node.", subcommands = NodeStartCommand.class)
final class NodeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
