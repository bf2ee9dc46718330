package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
    /**
     * Bounds on waiting for the cluster. Generous: on a quiet 2-core machine a deploy settles in
     * ~10 s, but a loaded one compiles the three modules on every node many times slower.
     */
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    /** Longer than the frontend's own deadline (10 s): a request is answered, 2xx/404 or 503. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern RING = Pattern.compile("epoch (\\d+), (\\d+) replicas, (\\d+) members .*, (settled|moving keys)");
    private static final ObjectMapper JSON = new ObjectMapper();

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
                    assertThat(answered(() -> put(writer, key, value)).statusCode()).as("put %s through %s", key, writer.name())
                            .isEqualTo(200);
                    for (NodeProcess reader : nodes) {
                        HttpResponse<String> r = answered(() -> get(reader, key));
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
            // once quiet, the replicas agree (last writer wins): both copies hold the same version of
            // a written value, and every node reads it
            NodeProcess via = nodes.get(0);
            for (String key : keys) {
                List<String> replicas = List.of(CliRun.run("send", "kv/coordinator", "where " + key, "--node", via.url())
                        .out().trim().split(" "));
                assertThat(replicas).hasSize(2);
                Set<String> copies = new java.util.HashSet<>();
                for (String member : replicas) {
                    // a get sent straight to a replica is answered from its own store: val <epoch> <version>\n<value>
                    String copy = CliRun.run("send", "kv/kvnode/" + member, "get 0 - 0 0 - " + key, "--node", via.url()).out();
                    assertThat(copy).as("%s at %s", key, member).startsWith("val ");
                    copies.add(copy.substring(copy.indexOf(' ', 4) + 1).trim()); // "<version>\n<value>"
                }
                assertThat(copies).as("the copies of %s", key).hasSize(1);
                String value = copies.iterator().next().split("\n", 2)[1];
                assertThat(written.get(key)).contains(value);
                for (NodeProcess n : nodes) {
                    HttpResponse<String> r = answered(() -> get(n, key));
                    assertThat(r.body()).as("%s through %s", key, n.name()).isEqualTo(value);
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
            AtomicInteger unavailable = new AtomicInteger();   // puts not acknowledged
            AtomicInteger unanswered = new AtomicInteger();    // reads answered 503 or not at all
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
                                unanswered.incrementAndGet();
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
            awaitRing(h, two.get(0), 24); // c's members are in, and the keys have moved
            System.out.printf("KvStoreClusterTest: ring of 24 settled %d ms after c was ready%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joinedAt));
            serving.add(c); // clients through c too, now that it serves the application
            Thread.sleep(3000);
            stop.set(true);
            for (Future<?> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            load.shutdown();
            System.out.printf("KvStoreClusterTest: join under load: %d keys acknowledged (%d puts not), %d reads (%d not answered)%n",
                    acked.size(), unavailable.get(), reads.get(), unanswered.get());
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
        long t0 = System.nanoTime();
        CliRun deploy = CliRun.run("deploy", MANIFEST.toString(), "--node", via.url());
        assertThat(deploy.code()).as(deploy.err()).isZero();
        awaitRing(h, via, members);
        System.out.printf("KvStoreClusterTest: deployed, ring of %d settled in %d ms%n", members,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Until the Coordinator's ring has {@code members} members and every one of them moved its keys. */
    private static void awaitRing(ClusterHarness h, NodeProcess via, int members) {
        h.eventually("a settled ring of " + members + " KVNodes", CONVERGE,
                () -> {
                    CliRun r = CliRun.run("send", "kv/coordinator", "ring", "--node", via.url());
                    return r.out() + r.err();
                }, out -> {
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

    /**
     * Puts {@code count} keys in parallel through every node; returns the acknowledged ones. Gives
     * up on the rest after 10 failures (the caller expects all).
     */
    private static Map<String, String> putBatch(List<NodeProcess> nodes, String prefix, int count) throws Exception {
        Map<String, String> acked = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = prefix + i;
                String value = "value of " + key;
                NodeProcess node = nodes.get(i % nodes.size());
                done.add(pool.submit(() -> {
                    if (failed.get() < 10) {
                        if (statusOf(() -> put(node, key, value)) == 200) {
                            acked.put(key, value);
                        } else {
                            failed.incrementAndGet();
                        }
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

    /**
     * Every key through every node: 200 with its value. A 503 or no answer is retried (for 40 s at
     * most); anything else is a failure, and after 10 failures the remaining keys are not tried.
     */
    private static void assertAllReadable(List<NodeProcess> nodes, Map<String, String> expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> checks = new ArrayList<>();
            for (NodeProcess n : nodes) {
                for (Map.Entry<String, String> e : expected.entrySet()) {
                    checks.add(pool.submit(() -> {
                        if (failures.size() >= 10) {
                            return null;
                        }
                        try {
                            HttpResponse<String> r = answered(() -> get(n, e.getKey()));
                            if (r.statusCode() != 200 || !r.body().equals(e.getValue())) {
                                failures.add("get " + e.getKey() + " through " + n.name() + ": HTTP " + r.statusCode() + " " + r.body());
                            }
                        } catch (AssertionError unavailable) {
                            failures.add("get " + e.getKey() + " through " + n.name() + ": " + unavailable.getMessage());
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : checks) {
                f.get(300, TimeUnit.SECONDS);
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
        return Http.put(node.url() + "/apps/kv/" + key, value, REQUEST_TIMEOUT);
    }

    private static HttpResponse<String> get(NodeProcess node, String key) throws IOException {
        return Http.get(node.url() + "/apps/kv/" + key, REQUEST_TIMEOUT);
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

    /**
     * The first answer that is not "unavailable" (503 or none: the store could not decide in time,
     * which says nothing about what it holds), within 40 s.
     */
    private static HttpResponse<String> answered(Call call) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        HttpResponse<String> r = null;
        while (System.nanoTime() < end) {
            r = orNull(call);
            if (r != null && r.statusCode() != 503) {
                return r;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no answer but 503 or a timeout for 40 s; last " + (r == null ? "none" : r.body()));
    }

    private static int statusOf(Call call) {
        HttpResponse<String> r = orNull(call);
        return r == null ? -1 : r.statusCode();
    }
}
