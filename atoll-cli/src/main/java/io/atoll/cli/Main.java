package io.atoll.cli;

import io.atoll.abi.Abi;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Entry point of {@code ./atoll}: wires the commands and the error reporting, nothing else. */
@Command(name = "atoll",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Atoll: a WebAssembly runtime for the compute continuum.",
        footer = {"", "Start here: ./atoll demo    Docs: docs/cli.md"},
        subcommands = {
            NodeCommand.class,
            DemoCommand.class,
            DeployCommand.class,
            UndeployCommand.class,
            PsCommand.class,
            MigrateCommand.class,
            UpdateCommand.class,
            NodesCommand.class,
            SendCommand.class,
            LogsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        int code = run(args);
        System.exit(code);
    }

    /** Runs one command line and returns its exit code. */
    public static int run(String... args) {
        return commandLine(debugFromEnvironment()).execute(args);
    }

    /** The command tree with Atoll's error reporting installed; {@code debug} adds stack traces. */
    public static CommandLine commandLine(boolean debug) {
        CommandLine cmd = new CommandLine(new Main());
        shareVersion(cmd, new Version());
        ErrorReporter reporter = new ErrorReporter(debug);
        cmd.setExecutionExceptionHandler(reporter);
        cmd.setParameterExceptionHandler(reporter);
        return cmd;
    }

    /** {@code --version} of every subcommand prints what {@code ./atoll --version} prints. */
    private static void shareVersion(CommandLine cmd, IVersionProvider version) {
        cmd.getCommandSpec().versionProvider(version);
        cmd.getSubcommands().values().forEach(sub -> shareVersion(sub, version));
    }

    static boolean debugFromEnvironment() {
        String v = System.getenv("ATOLL_DEBUG");
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code ./atoll --version}: the build's version and the guest ABI version. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"atoll " + (v == null ? "dev" : v) + " (guest ABI v" + Abi.VERSION + ")"};
        }
    }
}
