package io.atoll.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs one CLI command line in-process, capturing stdout, stderr and the exit code. */
record Cli(int code, String out, String err) {
    static Cli run(boolean debug, String... args) {
        CommandLine cmd = Main.commandLine(debug);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    static Cli run(String... args) {
        return run(false, args);
    }
}
