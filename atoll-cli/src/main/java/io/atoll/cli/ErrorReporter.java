package io.atoll.cli;

import io.atoll.abi.AtollException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns every failure into two lines on stderr, {@code error: ...} and {@code hint: ...}; never a
 * stack trace unless debugging (ATOLL_DEBUG=1). Execution errors exit 1, usage errors 2.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    private final boolean debug;

    ErrorReporter(boolean debug) {
        this.debug = debug;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        AtollException atoll = findAtollException(ex);
        String message;
        String hint;
        if (atoll != null) {
            message = atoll.getMessage();
            hint = atoll.hint() != null ? atoll.hint() : helpHint(cmd);
        } else {
            message = "unexpected " + ex.getClass().getSimpleName()
                    + (ex.getMessage() != null ? ": " + ex.getMessage() : "");
            hint = debug
                    ? "this is a bug in Atoll; please report it with the stack trace above"
                    : "this is a bug in Atoll; run again with ATOLL_DEBUG=1 to see where it happened, and report it";
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        print(err, message, hint);
        return EXIT_ERROR;
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = ex.getMessage();
        String hint = helpHint(cmd);
        if (ex instanceof UnmatchedArgumentException unmatched) {
            List<String> args0 = unmatched.getUnmatched();
            if (!args0.isEmpty() && !args0.get(0).startsWith("-") && !cmd.getSubcommands().isEmpty()) {
                message = "unknown command: " + args0.get(0);
            }
            if (!unmatched.getSuggestions().isEmpty()) {
                hint = "did you mean " + String.join(" or ", unmatched.getSuggestions()) + "? " + hint;
            }
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        print(err, message, hint);
        return EXIT_USAGE;
    }

    static void print(PrintWriter err, String message, String hint) {
        err.println("error: " + oneLine(message == null ? "failed" : message));
        if (hint != null && !hint.isBlank()) {
            err.println("hint: " + oneLine(hint));
        }
        err.flush();
    }

    /** The first AtollException in the cause chain (picocli and executors wrap them). */
    static AtollException findAtollException(Throwable t) {
        for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
            if (t instanceof AtollException a) {
                return a;
            }
        }
        return null;
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static String helpHint(CommandLine cmd) {
        return "see ./" + cmd.getCommandSpec().qualifiedName() + " --help";
    }
}
