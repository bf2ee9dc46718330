package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product as a user runs it: {@code atoll node start} in its own process, the Java
 * examples deployed with {@code atoll deploy}, driven over HTTP and the CLI, killed with -9 and
 * started again on the same data directory, then stopped with SIGTERM.
 */
class NodeProcessEndToEndTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    private record Started(Process process, String url) {}

    private Started startNode(Path data, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "node", "start", "--name", "e2e", "--port", "0", "--data", data.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end && p.isAlive()) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                return new Started(p, m.group(1));
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new AssertionError("node did not start: " + Files.readString(log));
    }

    private HttpResponse<String> http(String method, String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void deployServeKillRestartStop() throws Exception {
        Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
        Path data = tmp.resolve("data");
        Started node = startNode(data, tmp.resolve("node1.log"));
        try {
            for (String app : new String[] {"echo", "counter"}) {
                Cli deploy = Cli.run("deploy", examples.resolve(app).resolve("app.yaml").toString(), "--node", node.url());
                assertThat(deploy.code()).as(deploy.err()).isZero();
            }
            assertThat(http("POST", node.url() + "/apps/echo/echo", "hello").body()).isEqualTo("hello");
            for (int i = 1; i <= 3; i++) {
                assertThat(http("POST", node.url() + "/apps/counter/counter", "").body().trim()).isEqualTo(String.valueOf(i));
            }
            assertThat(Cli.run("send", "counter/counter", "inc", "--node", node.url()).out().trim()).isEqualTo("4");
            assertThat(Cli.run("ps", "--node", node.url()).out()).contains("counter/counter/0").contains("loop");
        } finally {
            node.process().destroyForcibly(); // kill -9
            node.process().waitFor();
        }

        Started again = startNode(data, tmp.resolve("node2.log"));
        try {
            // the applications came back by themselves, and the counter kept its acknowledged count
            assertThat(http("GET", again.url() + "/apps/counter/counter", null).body().trim()).isEqualTo("4");
            assertThat(http("POST", again.url() + "/apps/echo/echo", "again").body()).isEqualTo("again");
            Cli logs = Cli.run("logs", "counter/counter/0", "--node", again.url());
            assertThat(logs.out()).contains("counter starts at 4");
        } finally {
            again.process().destroy(); // SIGTERM: the shutdown hook closes the node
            assertThat(again.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("stopped").isTrue();
        }
        assertThat(Cli.run("ps", "--node", again.url()).err()).startsWith("error: no Atoll node at " + again.url());
    }
}
