package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The single-node examples deployed on three `atoll node start` processes with `atoll deploy`
 * through one node, then used through every node's ingress: the application does not notice
 * where its atoms run.
 */
class ExamplesAcrossClusterTest {
    // deploying five applications (and instrumenting the loop-style counter) on three nodes takes a while on 2 busy cores
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void theExamplesWorkThroughEveryNode() throws Exception {
        Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
        try (ClusterHarness h = ClusterHarness.singleServer(dir)) {
            NodeProcess a = h.start("a", "cloud", List.of("big"), h.server());
            NodeProcess b = h.start("b", "cloud", List.of("big"), h.server());
            NodeProcess c = h.start("c", "edge", List.of("edge"), h.server());
            List<NodeProcess> all = List.of(a, b, c);
            all.forEach(h::await);
            h.eventually("three up", CONVERGE, () -> h.nodes(a).stream().filter(n -> n.state().equals("up")).count() == 3);
            for (String app : List.of("echo/app.yaml", "counter/app.yaml", "pubsub/app.yaml", "tour/app.yaml", "c-sensor/app.yaml")) {
                CliRun r = CliRun.run("deploy", examples.resolve(app).toString(), "--node", a.url());
                assertThat(r.code()).as(app + ": " + r.err()).isZero();
            }
            h.eventually("every node has every application", CONVERGE, () -> {
                for (NodeProcess n : all) {
                    if (!Http.get(n.url() + "/api/v1/apps").body().contains("\"sensor\"")) {
                        return false;
                    }
                }
                return true;
            });
            h.eventually("daemons placed", CONVERGE, () -> CliRun.run("ps", "--node", b.url()).out(),
                    ps -> ps.contains("counter/counter/0") && ps.contains("pubsub/subscriber/2") && ps.contains("tour/tour/0")
                            && ps.contains("sensor/sensor/0"));

            int count = 0;
            for (NodeProcess n : all) {
                assertThat(Http.post(n.url() + "/apps/echo/echo", "hello " + n.name()).body()).isEqualTo("hello " + n.name());
                // one counter for the whole cluster, wherever it runs
                assertThat(Http.post(n.url() + "/apps/counter/counter", "").body().trim()).isEqualTo(String.valueOf(++count));
                HttpResponse<String> tour = Http.get(n.url() + "/apps/tour/tour", Duration.ofSeconds(30));
                assertThat(tour.body()).as("tour through " + n.name()).containsPattern("passed (\\d+)/\\1");
                assertThat(Http.post(n.url() + "/apps/sensor/readings", String.valueOf(20 + count)).statusCode()).isEqualTo(201);
            }
            assertThat(Http.get(c.url() + "/apps/sensor/readings").body()).contains("\"count\":3").contains("\"average\":22");

            assertThat(Http.post(c.url() + "/apps/pubsub/publish", "news from c").body()).contains("3 subscribers");
            h.eventually("every subscriber got it", CONVERGE, () -> Http.get(a.url() + "/apps/pubsub/subscribers").body(),
                    s -> s.lines().filter(l -> l.contains("news from c")).count() == 3);

            String ps = CliRun.run("ps", "--node", a.url()).out();
            assertThat(ps.lines().findFirst().orElse("")).startsWith("NAME").contains("NODE");
        }
    }
}
