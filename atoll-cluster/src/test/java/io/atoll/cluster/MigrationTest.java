package io.atoll.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.atoll.fabric.NatsServer;
import io.atoll.runtime.migration.Migrator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving running atoms between three real nodes (one JVM, real nats-server): state, messages,
 * order; handler-style atoms between events, loop-style ones with their call stack.
 */
class MigrationTest {
    @TempDir
    Path tmp;
    NatsServer nats;
    final List<ClusterNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() {
        nats = NatsServer.start();
        for (String n : List.of("a", "b", "c")) {
            nodes.add(ClusterNode.start(tmp, n, "cloud", List.of("big"), nats.url()));
        }
        FabricClusterTest.await("three up", () -> nodes.stream().allMatch(n -> n.cluster.members().stream()
                .filter(m -> m.state() == io.atoll.fabric.Member.State.UP).count() == 3));
    }

    @AfterEach
    void stop() {
        nodes.forEach(ClusterNode::close);
        nats.close();
    }

    ClusterNode node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    /** Deploys through node a; the node that runs {@code atom}, once it is placed and every node has the application. */
    String deployAndPlace(String yaml, String atom) {
        node("a").deploy(tmp, yaml);
        String app = atom.substring(0, atom.indexOf('/'));
        FabricClusterTest.await("placed", () -> !whereRuns(atom).isEmpty());
        FabricClusterTest.await("deployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app(app) != null));
        return whereRuns(atom);
    }

    String whereRuns(String atom) {
        List<String> at = nodes.stream().filter(n -> n.localAtoms().contains(atom)).map(ClusterNode::name).toList();
        assertThat(at).as(atom + " runs on exactly one node").hasSizeLessThanOrEqualTo(1);
        return at.isEmpty() ? "" : at.get(0);
    }

    @Test
    void anAtomMovedAroundUnderTwoFifoStreamsKeepsItsMemoryAndEveryMessageInOrder() throws Exception {
        List<Migrator.Report> reports = movedUnderTwoFifoStreams("mig", "module: probe.wasm, hibernate: never", 1500);
        assertThat(reports).allSatisfy(r -> {
            assertThat(r.downtimeMs()).isPositive();
            assertThat(r.bytes()).isPositive();
        });
        System.out.println("MigrationTest: " + reports.size() + " moves, downtime ms: " + downtimes(reports));
    }

    /**
     * Deploys {@code app} with a sink ({@code sink}: its module and settings) and a sender per node,
     * then moves the sink around, asking the nodes in turn, at least 6 times and until the senders
     * on a and b have each sent it {@code n} FIFO messages. Every message arrives once, in the order
     * sent, and the sink's in-memory count comes along on every move.
     */
    private List<Migrator.Report> movedUnderTwoFifoStreams(String app, String sink, int n) throws Exception {
        String sinkName = app + "/sink/0";
        deployAndPlace("""
                app: %s
                atoms:
                  - { name: sink, %s, limits: { mailbox: 100000 } }
                  - { name: sender, module: probe.wasm, placement: { per-node: 1 } }
                """.formatted(app, sink), sinkName);
        FabricClusterTest.await("senders placed", () -> nodes.stream().allMatch(x -> x.localAtoms().contains(app + "/sender/" + x.name() + "-0")));
        List<String> senders = List.of(app + "/sender/a-0", app + "/sender/b-0");
        var pool = Executors.newFixedThreadPool(senders.size());
        List<Migrator.Report> reports = new ArrayList<>();
        try {
            List<Future<String>> sent = new ArrayList<>();
            for (String s : senders) {
                String via = s.substring(s.lastIndexOf('/') + 1, s.lastIndexOf('-'));
                sent.add(pool.submit(() -> node(via).send(s, "fifo " + app + "/sink " + n)));
            }
            int moves = 0;
            while (!sent.stream().allMatch(Future::isDone) || moves < 6) {
                reports.add(nodes.get(moves % 3).node.core().migrator().migrate(sinkName, next(whereRuns(sinkName))));
                moves++;
                assertThat(moves).as("the senders finish").isLessThan(400);
            }
            for (Future<String> f : sent) {
                assertThat(f.get()).isEqualTo("sent " + n);
            }
        } finally {
            pool.shutdown();
        }
        String expected = IntStream.range(0, n).mapToObj(String::valueOf).collect(Collectors.joining(" "));
        assertThat(node("a").send(sinkName, "count")).isEqualTo(String.valueOf(2 * n + 1));
        for (String s : senders) {
            assertThat(node("c").send(app + "/sink", "seqs " + s)).as("from " + s).isEqualTo(expected);
        }
        return reports;
    }

    private static String downtimes(List<Migrator.Report> reports) {
        return reports.stream().map(r -> String.format("%.1f", r.downtimeMs())).collect(Collectors.joining(" "));
    }

    @Test
    void httpRequestsDuringMovesAllSucceed() throws Exception {
        ClusterNode a = node("a");
        deployAndPlace("""
                app: web
                atoms:
                  - { name: d, module: probe.wasm, routes: [ { path: /d } ] }
                  - { name: r, module: probe.wasm, kind: reactive, policy: one, routes: [ { path: /r } ] }
                """, "web/d/0");
        assertThat(a.request("POST", "/apps/web/r", "self").body()).isEqualTo("web/r/a-r1");
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        var pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                String path = c % 2 == 0 ? "/apps/web/d" : "/apps/web/r";
                ClusterNode via = nodes.get(c % 3);
                clients.add(pool.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        var r = via.request("POST", path, "echo " + i);
                        if (r.statusCode() == 200 && r.body().equals(String.valueOf(i))) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(path + " " + i + ": " + r.statusCode() + " " + r.body());
                        }
                    }
                }));
            }
            List<String> ring = List.of("a", "b", "c");
            String rHere = "a";
            for (int m = 0; m < 12; m++) {
                String d = whereRuns("web/d/0");
                node(d).node.core().migrator().migrate("web/d/0", ring.get((ring.indexOf(d) + 1) % 3));
                String next = ring.get((ring.indexOf(rHere) + 1) % 3);
                node(rHere).node.core().migrator().migrate("web/r/a-r1", next);
                rHere = next;
            }
            stop.set(true);
            for (Future<?> f : clients) {
                f.get();
            }
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(50);
    }

    @Test
    void aMoveToAMissingNodeLeavesTheAtomRunningWhereItWas() {
        String before = deployAndPlace("""
                app: stay
                atoms:
                  - { name: d, module: probe.wasm }
                """, "stay/d/0");
        ClusterNode owner = node(before);
        owner.send("stay/d/0", "count");
        assertThatThrownBy(() -> owner.node.core().migrator().migrate("stay/d/0", "nowhere"))
                .isInstanceOf(AtollException.class).hasMessageContaining("keeps running on " + before);
        assertThat(whereRuns("stay/d/0")).isEqualTo(before);
        assertThat(owner.send("stay/d/0", "count")).isEqualTo("2"); // same instance, same memory
    }

    @Test
    void aSnapshotTooBigForOneFabricMessageGoesThroughTheObjectStore() {
        String from = deployAndPlace("""
                app: big
                atoms:
                  - { name: d, module: probe.wasm }
                """, "big/d/0");
        String to = from.equals("a") ? "b" : "a";
        node(from).send("big/d/0", "count");
        System.setProperty("atoll.migration.inline-limit", "100");
        try {
            Migrator.Report r = node(from).node.core().migrator().migrate("big/d/0", to);
            assertThat(r.bytes()).isGreaterThan(100);
        } finally {
            System.clearProperty("atoll.migration.inline-limit");
        }
        assertThat(whereRuns("big/d/0")).isEqualTo(to);
        assertThat(node(to).send("big/d/0", "count")).isEqualTo("2");
    }

    @Test
    void compressibleMemoryIsPreCopiedDeflated() {
        String from = deployAndPlace("""
                app: zip
                atoms:
                  - { name: d, module: probe.wasm, hibernate: never }
                """, "zip/d/0");
        String to = from.equals("a") ? "b" : "a";
        assertThat(node(from).send("zip/d/0", "fill 8192 const")).isEqualTo("filled 8192"); // 8 MiB of one byte value
        Migrator.Report r = node(from).node.core().migrator().migrate("zip/d/0", to);
        assertThat(r.rounds()).isPositive();
        assertThat(r.bytes()).as("8 MiB moved in far fewer bytes").isLessThan(1 << 20);
        assertThat(node(to).send("zip/d/0", "count")).isEqualTo("2");
        Migrator.Report back = node(to).node.core().migrator().migrate("zip/d/0", from, false); // and back, stop-and-copy
        assertThat(back.rounds()).isZero();
        assertThat(node(from).send("zip/d/0", "count")).isEqualTo("3");
    }

    @Test
    void whenGoIsLostTheTargetResumesFromTheDirectoryAndNothingIsLost() {
        String from = deployAndPlace("""
                app: lost
                atoms:
                  - { name: d, module: probe.wasm }
                """, "lost/d/0");
        String to = from.equals("a") ? "b" : "a";
        node(from).send("lost/d/0", "count");
        System.setProperty("atoll.migration.test.lose-go", "true");
        System.setProperty("atoll.migration.go-timeout-ms", "500");
        try {
            node(from).node.core().migrator().migrate("lost/d/0", to); // committed; GO never arrives
        } finally {
            System.clearProperty("atoll.migration.test.lose-go");
        }
        try {
            // a message sent meanwhile waits in the paused copy, then is handled once it resumes
            assertThat(node("c").send("lost/d/0", "count")).isEqualTo("2");
            assertThat(whereRuns("lost/d/0")).isEqualTo(to);
        } finally {
            System.clearProperty("atoll.migration.go-timeout-ms");
        }
    }

    @Test
    void theApiAndAnyNodeCanMoveAnAtom() {
        String from = deployAndPlace("""
                app: api
                atoms:
                  - { name: d, module: probe.wasm }
                """, "api/d/0");
        String to = from.equals("c") ? "b" : "c";
        // memory grown at run time (malloc'd and freed: the pages stay), then moved with it
        assertThat(node(from).send("api/d/0", "grow 3")).isEqualTo("grew 3");
        String mem = node(from).send("api/d/0", "mem");
        assertThat(Long.parseLong(mem)).isGreaterThan(3L << 20);
        node(from).send("api/d/0", "kvput k v"); // stored data stays with the node's store (documented)
        ClusterNode asked = nodes.stream().filter(x -> !x.name().equals(from)).findFirst().orElseThrow();
        var r = asked.request("POST", "/api/v1/atoms/api/d/0/migrate?to=" + to, "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"from\":\"" + from + "\"").contains("\"to\":\"" + to + "\"").contains("downtimeMs");
        assertThat(whereRuns("api/d/0")).isEqualTo(to);
        assertThat(node(to).send("api/d", "self")).isEqualTo("api/d/0");
        assertThat(node(to).send("api/d/0", "mem")).isEqualTo(mem);
        assertThat(node(to).send("api/d/0", "count")).isEqualTo("6"); // self, grow, mem, kvput, then mem, count here
        var missing = asked.request("POST", "/api/v1/atoms/api/d/0/migrate", "");
        assertThat(missing.statusCode()).isEqualTo(400);
    }

    // ---- loop-style atoms, captured with their call stack (asyncify instrumentation at deploy) ----

    String next(String here) {
        List<String> ring = List.of("a", "b", "c");
        return ring.get((ring.indexOf(here.isEmpty() ? "a" : here) + 1) % 3);
    }

    @Test
    void aLoopAtomBlockedInReceiveMovesWithItsStackUnderTwoFifoStreams() throws Exception {
        List<Migrator.Report> reports = movedUnderTwoFifoStreams("loop", "module: probe_loop.wasm", 800);
        System.out.println("MidRunMigrationTest: " + reports.size() + " moves of a loop atom, downtime ms: " + downtimes(reports));
    }

    @Test
    void aLoopAtomInTheMiddleOfAComputationMovesAndFinishesThere() throws Exception {
        String from = deployAndPlace("""
                app: busy
                atoms:
                  - { name: w, module: probe_loop.wasm, limits: { timeout: 60s } }
                """, "busy/w/0");
        assertThat(node(from).node.core().atom("busy/w/0").context().module().midRunCapture())
                .as("instrumented at deploy (needs wasm-opt: scripts/setup-toolchain.sh)").isTrue();
        assertThat(node(from).send("busy/w/0", "count")).isEqualTo("1");
        // "busy 5000" polls the clock (an import: a safe point) for 5 s before it answers
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> node(from).send("busy/w/0", "busy 5000"));
        FabricClusterTest.await("computing", () -> node(from).node.core().directory().all().contains("busy/w/0")
                && "running".equals(stateOf(node(from), "busy/w/0")));
        String to = next(from);
        Migrator.Report r = node(from).node.core().migrator().migrate("busy/w/0", to);
        assertThat(answer).as("still computing when it moved").isNotDone();
        assertThat(whereRuns("busy/w/0")).isEqualTo(to);
        assertThat(answer.get()).isEqualTo("done"); // finished on the target, answered the requester
        assertThat(node(to).send("busy/w/0", "count")).isEqualTo("3");
        assertThat(r.downtimeMs()).isPositive();
    }

    static String stateOf(ClusterNode n, String atom) {
        var a = n.node.core().atom(atom);
        return a == null ? "" : a.state().name().toLowerCase();
    }
}
