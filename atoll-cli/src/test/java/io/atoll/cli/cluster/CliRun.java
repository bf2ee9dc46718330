package io.atoll.cli.cluster;

import io.atoll.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code atoll} command line run in this JVM (as {@code io.atoll.cli.Cli} does for its package). */
public record CliRun(int code, String out, String err) {
    public static CliRun run(String... args) {
        CommandLine cmd = Main.commandLine(false);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
