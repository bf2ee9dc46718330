package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated key-value store of examples/kvstore ({@code kv}) on real {@code atoll node start}
 * processes with nats-server, deployed with {@code atoll deploy}, used over HTTP through every
 * node's ingress: concurrent clients, reads after writes, a node joining under load, and a node
 * killed with -9. Two copies of every key (the default), on different nodes.
 */
class KvStoreClusterTest {
    private static final Path MANIFEST = Path.of("..", "examples", "kvstore", "app.yaml").toAbsolutePath().normalize();
    private static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    private static final Duration CONVERGE = Duration.ofSeconds(45);
    /** Longer than the frontend's own deadline (10 s): a request is answered, 2xx/404 or 503. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern RING = Pattern.compile("epoch (\\d+), (\\d+) replicas, (\\d+) members .*, (settled|moving keys)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    // ------------------------------------------------------------------ (1) and (2)

    @Test
    void concurrentClientsReadOnlyWrittenValuesAndEveryNodeReadsAnAcknowledgedPut() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir).downAfter(DOWN_AFTER)) {
            List<NodeProcess> nodes = startNodes(h, "a", "b", "c");
            deployAndAwaitRing(h, nodes.get(0), 24);

            // (2) no concurrent writers: after a successful put, a get through any node returns it
            for (int i = 0; i < 30; i++) {
                String key = "seq-" + i;
                for (int round = 0; round < 2; round++) { // a first value, then an overwrite through another node
                    String value = "value " + i + "." + round + " " + ThreadLocalRandom.current().nextInt();
                    NodeProcess writer = nodes.get((i + round) % 3);
                    assertThat(put(writer, key, value).statusCode()).as("put %s through %s", key, writer.name()).isEqualTo(200);
                    for (NodeProcess reader : nodes) {
                        HttpResponse<String> r = get(reader, key);
                        assertThat(r.statusCode()).as("get %s through %s after a put through %s", key, reader.name(), writer.name())
                                .isEqualTo(200);
                        assertThat(r.body()).isEqualTo(value);
                    }
                }
            }
            assertThat(get(nodes.get(2), "never-written").statusCode()).isEqualTo(404);

            // (1) concurrent clients through different nodes, few keys: every value read was written
            // by someone (puts are recorded before they are sent); a key whose put was acknowledged
            // before a get started is never missing
            List<String> keys = List.of("hot-0", "hot-1", "hot-2", "hot-3", "hot-4", "hot-5");
            Map<String, Set<String>> written = new ConcurrentHashMap<>();
            Map<String, Boolean> acknowledged = new ConcurrentHashMap<>();
            keys.forEach(k -> written.put(k, ConcurrentHashMap.newKeySet()));
            ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
            AtomicInteger puts = new AtomicInteger();
            AtomicInteger reads = new AtomicInteger();
            AtomicInteger unavailable = new AtomicInteger();
            runFor(Duration.ofSeconds(8), 6, (client, seq) -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                NodeProcess node = nodes.get(rnd.nextInt(3));
                String key = keys.get(rnd.nextInt(keys.size()));
                if (rnd.nextBoolean()) {
                    String value = "client " + client + " #" + seq;
                    written.get(key).add(value);
                    int status = statusOf(() -> put(node, key, value));
                    if (status == 200) {
                        puts.incrementAndGet();
                        acknowledged.put(key, true);
                    } else {
                        unavailable.incrementAndGet();
                    }
                } else {
                    boolean mustExist = acknowledged.containsKey(key);
                    HttpResponse<String> r = orNull(() -> get(node, key));
                    if (r == null || r.statusCode() == 503) {
                        unavailable.incrementAndGet();
                    } else if (r.statusCode() == 200) {
                        reads.incrementAndGet();
                        if (!written.get(key).contains(r.body())) {
                            violations.add("read a value never written to " + key + " through " + node.name() + ": " + r.body());
                        }
                    } else if (r.statusCode() != 404 || mustExist) {
                        violations.add("get " + key + " through " + node.name() + ": HTTP " + r.statusCode() + " " + r.body());
                    }
                }
            });
            System.out.printf("KvStoreClusterTest: concurrent clients: %d puts, %d reads acknowledged, %d unavailable%n",
                    puts.get(), reads.get(), unavailable.get());
            assertThat(violations).as(h.diagnostics()).isEmpty();
            assertThat(puts.get()).as("acknowledged puts").isGreaterThan(50);
            assertThat(reads.get()).as("values read").isGreaterThan(50);
            // once quiet, the replicas agree: every node reads the same, written value
            for (String key : keys) {
                String first = get(nodes.get(0), key).body();
                assertThat(written.get(key)).contains(first);
                for (NodeProcess n : nodes) {
                    assertThat(get(n, key).body()).as("%s through %s", key, n.name()).isEqualTo(first);
                }
            }
        }
    }

    // ------------------------------------------------------------------ (3)

    @Test
    void aNodeJoiningUnderLoadKeepsEveryKeyReadable() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir).downAfter(DOWN_AFTER)) {
            List<NodeProcess> two = startNodes(h, "a", "b");
            deployAndAwaitRing(h, two.get(0), 16);
            Map<String, String> acked = new ConcurrentHashMap<>(putBatch(two, "pre-", 200));
            assertThat(acked).hasSize(200);

            List<NodeProcess> serving = new java.util.concurrent.CopyOnWriteArrayList<>(two);
            ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
            Set<String> attempted = ConcurrentHashMap.newKeySet();
            AtomicInteger unavailable = new AtomicInteger();
            AtomicInteger reads = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService load = Executors.newFixedThreadPool(4);
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int client = t;
                running.add(load.submit(() -> {
                    for (int seq = 0; !stop.get(); seq++) {
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        NodeProcess node = serving.get(rnd.nextInt(serving.size()));
                        if (client == 0) { // one writer of new keys, each written once
                            String key = "new-" + seq;
                            String value = "new value " + seq;
                            attempted.add(key);
                            if (statusOf(() -> put(node, key, value)) == 200) {
                                acked.put(key, value);
                            } else {
                                unavailable.incrementAndGet();
                            }
                        } else { // readers of acknowledged keys: never missing, never another value
                            List<String> known = new ArrayList<>(acked.keySet());
                            String key = known.get(rnd.nextInt(known.size()));
                            HttpResponse<String> r = orNull(() -> get(node, key));
                            if (r == null || r.statusCode() == 503) {
                                unavailable.incrementAndGet();
                            } else if (r.statusCode() != 200 || !r.body().equals(acked.get(key))) {
                                violations.add("get " + key + " through " + node.name() + ": HTTP " + r.statusCode() + " " + r.body());
                            } else {
                                reads.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(2000);
            NodeProcess c = h.startAndAwait("c", "cloud", List.of(), h.server());
            long joinedAt = System.nanoTime();
            serving.add(c);
            awaitRing(h, c, 24);
            System.out.printf("KvStoreClusterTest: ring of 24 settled %d ms after c was ready%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joinedAt));
            Thread.sleep(2000); // more load on the settled ring
            stop.set(true);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            load.shutdown();
            System.out.printf("KvStoreClusterTest: join under load: %d keys acknowledged, %d reads, %d unavailable%n",
                    acked.size(), reads.get(), unavailable.get());
            assertThat(violations).as(h.diagnostics()).isEmpty();
            assertThat(reads.get()).isGreaterThan(100);
            assertThat(acked.size()).isGreaterThan(220);

            List<NodeProcess> all = List.of(two.get(0), two.get(1), c);
            assertAllReadable(all, acked);
            // the keys really moved: c's members hold some, and every key has its two copies
            Map<String, Integer> stored = storedPerMember(all, 24);
            int onC = stored.entrySet().stream().filter(e -> e.getKey().startsWith("c-")).mapToInt(Map.Entry::getValue).sum();
            int copies = stored.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(onC).as("copies on the new node %s", stored).isGreaterThan(acked.size() / 5);
            assertThat(copies).as("copies of %d acknowledged keys (%d attempted): %s", acked.size(), 200 + attempted.size(), stored)
                    .isBetween(2 * acked.size(), 2 * (200 + attempted.size()));
        }
    }

    // ------------------------------------------------------------------ (4)

    @Test
    void killNineOfANodeLosesNoAcknowledgedKey() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir).downAfter(DOWN_AFTER)) {
            List<NodeProcess> nodes = startNodes(h, "a", "b", "c");
            deployAndAwaitRing(h, nodes.get(0), 24);
            Map<String, String> acked = putBatch(nodes, "k-", 300);
            assertThat(acked).hasSize(300);

            // the node that runs the Coordinator: its restart elsewhere is part of the test
            String coordinatorNode = nodeOf(nodes.get(0), "kv/coordinator/0");
            NodeProcess victim = nodes.stream().filter(n -> n.name().equals(coordinatorNode)).findFirst().orElseThrow();
            List<NodeProcess> survivors = nodes.stream().filter(n -> n != victim).toList();
            long killedAt = System.nanoTime();
            h.kill9(victim);

            // every key stays readable at once (503 while a request cannot be answered is retried)
            assertAllReadable(survivors, acked);
            System.out.printf("KvStoreClusterTest: all %d keys read through the survivors %d ms after kill -9 of %s%n",
                    acked.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), victim.name());

            // the ring drops the dead node's members and the copies it held are made again
            awaitRing(h, survivors.get(0), 16);
            Map<String, Integer> stored = storedPerMember(survivors, 16);
            assertThat(stored.values().stream().mapToInt(Integer::intValue).sum()).as("copies on the survivors %s", stored)
                    .isEqualTo(2 * acked.size());
            System.out.printf("KvStoreClusterTest: two copies of every key again %d ms after the kill%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            assertAllReadable(survivors, acked);
            assertThat(put(survivors.get(1), "after", "the kill").statusCode()).isEqualTo(200);
            assertThat(get(survivors.get(0), "after").body()).isEqualTo("the kill");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static List<NodeProcess> startNodes(ClusterHarness h, String... names) {
        List<NodeProcess> out = new ArrayList<>();
        for (String n : names) {
            out.add(h.start(n, "cloud", List.of(), h.server()));
        }
        out.forEach(h::await);
        h.eventually(names.length + " nodes up", CONVERGE,
                () -> h.nodes(out.get(0)).stream().filter(n -> n.state().equals("up")).count() == names.length);
        return out;
    }

    private static void deployAndAwaitRing(ClusterHarness h, NodeProcess via, int members) {
        CliRun deploy = CliRun.run("deploy", MANIFEST.toString(), "--node", via.url());
        assertThat(deploy.code()).as(deploy.err()).isZero();
        awaitRing(h, via, members);
    }

    /** Until the Coordinator's ring has {@code members} members and every one of them moved its keys. */
    private static void awaitRing(ClusterHarness h, NodeProcess via, int members) {
        h.eventually("a settled ring of " + members + " KVNodes", CONVERGE,
                () -> CliRun.run("send", "kv/coordinator", "ring", "--node", via.url()).out(), out -> {
                    Matcher m = RING.matcher(out);
                    return m.find() && Integer.parseInt(m.group(3)) == members && m.group(4).equals("settled");
                });
    }

    /** How many keys each KVNode stores (its {@code stats}), once none is still moving keys. */
    private static Map<String, Integer> storedPerMember(List<NodeProcess> nodes, int members) {
        NodeProcess via = nodes.get(0);
        Pattern stats = Pattern.compile("keys (\\d+) epoch \\d+ moving (\\d+)");
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (NodeProcess n : nodes) {
            for (int k = 0; k < 8; k++) {
                String member = n.name() + "-" + k;
                String reply = CliRun.run("send", "kv/kvnode/" + member, "stats", "--node", via.url()).out();
                Matcher m = stats.matcher(reply);
                assertThat(m.find()).as("stats of %s: %s", member, reply).isTrue();
                assertThat(m.group(2)).as("%s still moving keys: %s", member, reply).isEqualTo("0");
                out.put(member, Integer.parseInt(m.group(1)));
            }
        }
        assertThat(out).hasSize(members);
        return out;
    }

    /** Puts {@code count} keys in parallel through every node; returns the acknowledged ones. */
    private static Map<String, String> putBatch(List<NodeProcess> nodes, String prefix, int count) throws Exception {
        Map<String, String> acked = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = prefix + i;
                String value = "value of " + key;
                NodeProcess node = nodes.get(i % nodes.size());
                done.add(pool.submit(() -> {
                    if (statusOf(() -> put(node, key, value)) == 200) {
                        acked.put(key, value);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return acked;
    }

    /** Every key through every node: 200 with its value; a 503 or timeout is retried for a while, a 404 is a failure. */
    private static void assertAllReadable(List<NodeProcess> nodes, Map<String, String> expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> checks = new ArrayList<>();
            for (NodeProcess n : nodes) {
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    checks.add(pool.submit(() -> {
                        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                        HttpResponse<String> r = null;
                        while (System.nanoTime() < end) {
                            r = orNull(() -> get(n, e.getKey()));
                            if (r != null && r.statusCode() != 503) {
                                break;
                            }
                            Thread.sleep(200);
                        }
                        if (r == null || r.statusCode() != 200 || !r.body().equals(e.getValue())) {
                            return "get " + e.getKey() + " through " + n.name() + ": "
                                    + (r == null ? "no answer" : "HTTP " + r.statusCode() + " " + r.body());
                        }
                        return null;
                    }));
                }
            }
            List<String> failures = new ArrayList<>();
            for (Future<String> f : checks) {
                String failure = f.get(120, TimeUnit.SECONDS);
                if (failure != null) {
                    failures.add(failure);
                }
            }
            assertThat(failures).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    private interface Client {
        void step(int client, int seq) throws Exception;
    }

    /** {@code clients} threads running {@code step} in a loop for {@code duration}. */
    private static void runFor(Duration duration, int clients, Client step) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + duration.toNanos();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                running.add(pool.submit(() -> {
                    for (int seq = 0; System.nanoTime() < end; seq++) {
                        step.step(client, seq);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String nodeOf(NodeProcess via, String atom) throws IOException {
        for (JsonNode a : JSON.readTree(Http.get(via.url() + "/api/v1/atoms").body())) {
            if (a.path("name").asText().equals(atom)) {
                return a.path("node").asText();
            }
        }
        throw new AssertionError(atom + " is not running");
    }

    private static HttpResponse<String> put(NodeProcess node, String key, String value) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(node.url() + "/apps/kv/" + key)).timeout(REQUEST_TIMEOUT)
                .PUT(HttpRequest.BodyPublishers.ofString(value)).build());
    }

    private static HttpResponse<String> get(NodeProcess node, String key) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(node.url() + "/apps/kv/" + key)).timeout(REQUEST_TIMEOUT).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + request.uri(), e);
        }
    }

    private interface Call {
        HttpResponse<String> call() throws IOException;
    }

    /** The response, or null if there was none (connection refused, timeout). */
    private static HttpResponse<String> orNull(Call call) {
        try {
            return call.call();
        } catch (IOException e) {
            return null;
        }
    }

    private static int statusOf(Call call) {
        HttpResponse<String> r = orNull(call);
        return r == null ? -1 : r.statusCode();
    }
}
