package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.abi.AtollException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class ErrorReporterTest {

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        RuntimeException toThrow;

        @Override
        public Integer call() {
            throw toThrow;
        }
    }

    private static String runBoom(RuntimeException e, boolean debug, int[] code) {
        Boom boom = new Boom();
        boom.toThrow = e;
        CommandLine cmd = new CommandLine(boom);
        ErrorReporter reporter = new ErrorReporter(debug);
        cmd.setExecutionExceptionHandler(reporter);
        cmd.setParameterExceptionHandler(reporter);
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        code[0] = cmd.execute();
        return err.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void connectionRefusedIsOneErrorLineAndAHint() throws IOException {
        int port = freePort();
        Cli r = Cli.run("ps", "--node", "http://127.0.0.1:" + port);

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(
                "error: no Atoll node at http://127.0.0.1:" + port + System.lineSeparator()
                + "hint: start one with ./atoll node start, or pass --node URL" + System.lineSeparator());
    }

    @Test
    void atollExceptionShowsMessageAndHintWithoutStackTrace() {
        int[] code = new int[1];
        String err = runBoom(new AtollException("app shop exists", "undeploy it first: ./atoll undeploy shop"), false, code);

        assertThat(code[0]).isEqualTo(1);
        assertThat(err.lines()).containsExactly(
                "error: app shop exists",
                "hint: undeploy it first: ./atoll undeploy shop");
    }

    @Test
    void wrappedAtollExceptionIsFoundInTheCauseChain() {
        int[] code = new int[1];
        RuntimeException wrapped = new RuntimeException("wrapper",
                new IllegalStateException("middle", new AtollException("mailbox full", "try again later")));
        String err = runBoom(wrapped, false, code);

        assertThat(err.lines()).containsExactly("error: mailbox full", "hint: try again later");
    }

    @Test
    void multiLineMessagesBecomeOneLine() {
        int[] code = new int[1];
        String err = runBoom(new AtollException("app.yaml:3: bad field\n  atoms[0].kind: no such kind", null), false, code);

        assertThat(err.lines()).containsExactly(
                "error: app.yaml:3: bad field; atoms[0].kind: no such kind",
                "hint: see ./boom --help");
    }

    @Test
    void unexpectedExceptionsSayHowToSeeMoreAndHideTheStack() {
        int[] code = new int[1];
        String err = runBoom(new IllegalStateException("boom"), false, code);

        assertThat(code[0]).isEqualTo(1);
        assertThat(err.lines()).containsExactly(
                "error: unexpected IllegalStateException: boom",
                "hint: this is a bug in Atoll; run again with ATOLL_DEBUG=1 to see where it happened, and report it");
        assertThat(err).doesNotContain("\tat ").doesNotContain("Exception in thread");
    }

    @Test
    void debugModeAddsTheStackTrace() {
        int[] code = new int[1];
        String err = runBoom(new IllegalStateException("boom"), true, code);

        assertThat(err).contains("java.lang.IllegalStateException: boom").contains("\tat io.atoll.cli.ErrorReporterTest");
        assertThat(err.lines().toList()).contains("error: unexpected IllegalStateException: boom");
    }

    @Test
    void usageErrorsExitTwoWithAHintToTheHelp() {
        Cli unknown = Cli.run("pss");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err().lines()).containsExactly(
                "error: unknown command: pss",
                "hint: did you mean ps? see ./atoll --help");

        Cli missing = Cli.run("send", "echo/echo");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().lines()).containsExactly(
                "error: Missing required parameter: 'PAYLOAD'",
                "hint: see ./atoll send --help");
    }

    @Test
    void badNodeAddressIsExplained() {
        Cli r = Cli.run("ps", "--node", "ftp://somewhere");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).containsExactly(
                "error: not a node address: ftp://somewhere",
                "hint: pass the node's address like --node http://127.0.0.1:8080");
    }

    @Test
    void helpAndVersionWork() {
        Cli help = Cli.run("deploy", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("Usage: atoll deploy").contains("--node=URL").contains("--token=TOKEN");

        Cli version = Cli.run("ps", "--version");
        assertThat(version.out()).startsWith("atoll ").contains("guest ABI v1");
    }
}
