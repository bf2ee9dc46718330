package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples moved while they run, between three `atoll node start` processes: `fib` in the
 * middle of its recursion (and idle, blocked in receive) with `atoll migrate`, and the loop-style
 * `counter` moved 100 times under a continuous stream of requests from three senders.
 */
class MigrationExamplesTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void fibMovesInTheMiddleOfItsComputationAndGivesTheSameResult() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir)) {
            List<NodeProcess> all = threeNodes(h);
            deploy(h, all, "fib/app.yaml", "fib/fib/0");
            int n = 32;
            String expected = "fib(" + n + ") = " + fib(n);
            // unmigrated, for comparison (and the time it takes here)
            long t0 = System.nanoTime();
            String plain = post(all.get(0), "/apps/fib/fib", String.valueOf(n));
            long plainMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(plain.trim()).isEqualTo(expected);

            // idle (blocked in receive): moves, then computes there
            NodeProcess owner = where(h, all, "fib/fib/0");
            NodeProcess next = other(all, owner, 1);
            migrate(owner, "fib/fib/0", next);
            assertThat(post(all.get(2), "/apps/fib/fib", "20").trim()).isEqualTo("fib(20) = 6765");

            // computing: moved twice while the recursion runs, the answer comes from the third node
            owner = next;
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                NodeProcess via = all.get(0);
                Future<String> answer = pool.submit(() -> post(via, "/apps/fib/fib", String.valueOf(n)));
                NodeProcess src = owner;
                h.eventually("computing", CONVERGE, () -> state(src, "fib/fib/0"), s -> s.equals("running"));
                Thread.sleep(Math.min(300, plainMs / 4));
                for (int move = 1; move <= 2; move++) {
                    NodeProcess to = other(all, owner, 1);
                    CliRun r = migrate(owner, "fib/fib/0", to);
                    System.out.println("MigrationExamplesTest: fib mid-run move " + move + ": " + r.out().strip().replace('\n', ' '));
                    assertThat(answer.isDone()).as("still computing after move " + move + " (plain run: " + plainMs + " ms)").isFalse();
                    owner = to;
                }
                assertThat(answer.get(120, TimeUnit.SECONDS).trim()).isEqualTo(expected);
            } finally {
                pool.shutdownNow();
            }
            assertThat(where(h, all, "fib/fib/0").name()).isEqualTo(owner.name());
            assertThat(post(all.get(1), "/apps/fib/fib", "count").trim()).as("requests answered, counted in memory").isEqualTo("3");
        }
    }

    @Test
    void theCounterMovedAHundredTimesUnderThreeSendersCountsEveryRequestOnceInOrder() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir)) {
            List<NodeProcess> all = threeNodes(h);
            deploy(h, all, "counter/app.yaml", "counter/counter/0");
            AtomicBoolean moving = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(all.size());
            List<Future<List<Long>>> senders = new ArrayList<>();
            for (NodeProcess via : all) { // each sender waits for its answer before the next: FIFO
                senders.add(pool.submit(() -> {
                    List<Long> seen = new ArrayList<>();
                    while (moving.get() || seen.size() < 20) {
                        HttpResponse<String> r = Http.post(via.url() + "/apps/counter/counter", "", Duration.ofSeconds(30));
                        if (r.statusCode() != 200) { // the atom's own log lines on every node say why
                            assertThat(r.statusCode()).as("POST via " + via.name() + ": " + r.body() + "\n"
                                    + atomLogs(all, "counter/counter/0")).isEqualTo(200);
                        }
                        seen.add(Long.parseLong(r.body().trim()));
                    }
                    return seen;
                }));
            }
            List<Double> downtimes = new ArrayList<>();
            try {
                NodeProcess owner = where(h, all, "counter/counter/0");
                for (int move = 0; move < 100; move++) {
                    NodeProcess to = other(all, owner, 1 + move % 2);
                    NodeProcess asked = all.get(move % 3); // any node forwards the request to the atom's node
                    HttpResponse<String> r = Http.post(asked.url() + "/api/v1/atoms/counter/counter/0/migrate?to=" + to.name(),
                            "", Duration.ofSeconds(60));
                    assertThat(r.statusCode()).as("move " + move + ": " + r.body()).isEqualTo(200);
                    downtimes.add(JSON.readTree(r.body()).get("downtimeMs").asDouble());
                    owner = to;
                }
            } finally {
                moving.set(false);
            }
            List<Long> every = new ArrayList<>();
            for (Future<List<Long>> f : senders) {
                List<Long> seen = f.get(120, TimeUnit.SECONDS);
                for (int i = 1; i < seen.size(); i++) {
                    assertThat(seen.get(i)).as("a sender's counts only grow (FIFO)").isGreaterThan(seen.get(i - 1));
                }
                every.addAll(seen);
            }
            pool.shutdown();
            Set<Long> distinct = new HashSet<>(every);
            assertThat(distinct).as("no count answered twice").hasSize(every.size());
            long total = every.size();
            assertThat(distinct).as("no request lost or counted twice: the answers are exactly 1..N")
                    .allMatch(v -> v >= 1 && v <= total);
            assertThat(Http.get(all.get(2).url() + "/apps/counter/counter").body().trim()).isEqualTo(String.valueOf(total));
            downtimes.sort(null);
            System.out.println("MigrationExamplesTest: counter moved 100 times under " + total
                    + " requests; downtime ms p50 " + downtimes.get(50) + ", max " + downtimes.get(99));
        }
    }

    @Test
    void theEchoInstancesMovedUnderHttpLoadAnswerEveryRequest() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir)) {
            List<NodeProcess> all = threeNodes(h);
            CliRun r = CliRun.run("deploy", EXAMPLES.resolve("echo/app.yaml").toString(), "--node", all.get(0).url());
            assertThat(r.code()).as(r.err()).isZero();
            for (NodeProcess n : all) {
                h.eventually("echo deployed on " + n.name(), CONVERGE, () -> Http.post(n.url() + "/apps/echo/echo", "hi").body(),
                        b -> b.equals("hi"));
            }
            AtomicBoolean moving = new AtomicBoolean(true);
            List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(all.size());
            List<Future<Integer>> clients = new ArrayList<>();
            for (NodeProcess via : all) {
                clients.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; moving.get(); i++) {
                        String body = "hello " + via.name() + " " + i;
                        HttpResponse<String> res = Http.post(via.url() + "/apps/echo/echo", body, Duration.ofSeconds(30));
                        if (res.statusCode() == 200 && res.body().equals(body)) {
                            ok++;
                        } else {
                            failures.add(via.name() + " " + i + ": " + res.statusCode() + " " + res.body());
                        }
                    }
                    return ok;
                }));
            }
            int moves = 0;
            try {
                for (int round = 0; round < 4; round++) {
                    for (NodeProcess n : all) { // every echo instance this node runs goes to the next node
                        for (JsonNode a : JSON.readTree(Http.get(n.url() + "/api/v1/atoms").body())) {
                            String name = a.get("name").asText();
                            if (name.startsWith("echo/echo/") && n.name().equals(a.path("node").asText())
                                    && a.path("state").asText().matches("idle|running|waiting")) {
                                HttpResponse<String> m = Http.post(n.url() + "/api/v1/atoms/" + name + "/migrate?to="
                                        + other(all, n, 1).name(), "", Duration.ofSeconds(60));
                                if (m.statusCode() == 200) {
                                    moves++;
                                } // an instance that expired meanwhile cannot move: not a failure of the move
                            }
                        }
                    }
                }
            } finally {
                moving.set(false);
            }
            int answered = 0;
            for (Future<Integer> f : clients) {
                answered += f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(failures).as("failed requests").isEmpty();
            assertThat(moves).as("echo instances moved").isGreaterThanOrEqualTo(6);
            assertThat(answered).isGreaterThan(100);
            System.out.println("MigrationExamplesTest: " + moves + " moves of echo instances under " + answered
                    + " HTTP requests, none failed");
        }
    }

    private static String atomLogs(List<NodeProcess> all, String atom) {
        StringBuilder out = new StringBuilder();
        for (NodeProcess n : all) {
            try {
                out.append("log of ").append(atom).append(" on ").append(n.name()).append(": ")
                        .append(Http.get(n.url() + "/api/v1/logs?atom=" + atom).body()).append('\n');
            } catch (Exception e) {
                out.append("no log from ").append(n.name()).append(": ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    private static List<NodeProcess> threeNodes(ClusterHarness h) throws Exception {
        NodeProcess a = h.start("a", "cloud", List.of("big"), h.server());
        NodeProcess b = h.start("b", "cloud", List.of("big"), h.server());
        NodeProcess c = h.start("c", "cloud", List.of("big"), h.server());
        List<NodeProcess> all = List.of(a, b, c);
        all.forEach(h::await);
        h.eventually("three up", CONVERGE, () -> h.nodes(a).stream().filter(x -> x.state().equals("up")).count() == 3);
        return all;
    }

    /** Deploys through the first node; returns once the atom runs and every node has the application (its ingress routes). */
    private static void deploy(ClusterHarness h, List<NodeProcess> all, String manifest, String atom) throws Exception {
        CliRun r = CliRun.run("deploy", EXAMPLES.resolve(manifest).toString(), "--node", all.get(0).url());
        assertThat(r.code()).as(manifest + ": " + r.err()).isZero();
        String app = atom.substring(0, atom.indexOf('/'));
        for (NodeProcess n : all) {
            h.eventually(app + " deployed on " + n.name(), CONVERGE, () -> Http.get(n.url() + "/api/v1/apps").body(),
                    b -> b.contains("\"app\":\"" + app + "\""));
        }
        where(h, all, atom);
    }

    private static CliRun migrate(NodeProcess via, String atom, NodeProcess to) {
        CliRun r = CliRun.run("migrate", atom, "--to", to.name(), "--node", via.url());
        assertThat(r.code()).as("migrate " + atom + " to " + to.name() + ": " + r.out() + r.err()).isZero();
        assertThat(r.out()).contains("downtime");
        return r;
    }

    private static String post(NodeProcess via, String path, String body) throws IOException {
        HttpResponse<String> r = Http.post(via.url() + path, body, Duration.ofSeconds(120));
        assertThat(r.statusCode()).as("POST " + path + " via " + via.name() + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    /** The node an atom runs on, once exactly one reports it running. */
    private static NodeProcess where(ClusterHarness h, List<NodeProcess> all, String atom) throws Exception {
        String name = h.eventually(atom + " placed", CONVERGE, () -> {
            List<String> at = new ArrayList<>();
            for (NodeProcess n : all) {
                for (JsonNode a : JSON.readTree(Http.get(n.url() + "/api/v1/atoms").body())) {
                    if (a.get("name").asText().equals(atom) && n.name().equals(a.path("node").asText())
                            && !List.of("stopped", "failed", "moved").contains(a.path("state").asText())) {
                        at.add(n.name());
                    }
                }
            }
            return at;
        }, at -> at.size() == 1).get(0);
        return all.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private static String state(NodeProcess n, String atom) throws IOException {
        for (JsonNode a : JSON.readTree(Http.get(n.url() + "/api/v1/atoms").body())) {
            if (a.get("name").asText().equals(atom)) {
                return a.path("state").asText();
            }
        }
        return "";
    }

    private static NodeProcess other(List<NodeProcess> all, NodeProcess from, int step) {
        return all.get((all.indexOf(from) + step) % all.size());
    }

    private static long fib(int n) {
        long a = 0;
        long b = 1;
        for (int i = 0; i < n; i++) {
            long t = a + b;
            a = b;
            b = t;
        }
        return a;
    }
}
