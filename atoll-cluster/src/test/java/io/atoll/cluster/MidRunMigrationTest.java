package io.atoll.cluster;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Loop-style atoms moved with their call stack (asyncify instrumentation at deploy): blocked in
 * receive, and in the middle of a computation, between three real nodes.
 */
class MidRunMigrationTest {
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

    String whereRuns(String atom) {
        List<String> at = nodes.stream().filter(n -> n.localAtoms().contains(atom)).map(ClusterNode::name).toList();
        assertThat(at).as(atom + " runs on exactly one node").hasSizeLessThanOrEqualTo(1);
        return at.isEmpty() ? "" : at.get(0);
    }

    String next(String here) {
        List<String> ring = List.of("a", "b", "c");
        return ring.get((ring.indexOf(here.isEmpty() ? "a" : here) + 1) % 3);
    }

    @Test
    void aLoopAtomBlockedInReceiveMovesWithItsStackUnderTwoFifoStreams() throws Exception {
        node("a").deploy(tmp, """
                app: loop
                atoms:
                  - { name: sink, module: probe_loop.wasm, limits: { mailbox: 100000 } }
                  - { name: sender, module: probe.wasm, placement: { per-node: 1 } }
                """);
        FabricClusterTest.await("placed", () -> !whereRuns("loop/sink/0").isEmpty()
                && nodes.stream().allMatch(n -> n.localAtoms().contains("loop/sender/" + n.name() + "-0")));
        FabricClusterTest.await("deployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("loop") != null));
        int n = 800;
        List<String> senders = List.of("loop/sender/a-0", "loop/sender/b-0");
        var pool = Executors.newFixedThreadPool(senders.size());
        List<Migrator.Report> reports = new ArrayList<>();
        try {
            List<Future<String>> sent = new ArrayList<>();
            for (String s : senders) {
                sent.add(pool.submit(() -> node(s.substring(12, 13)).send(s, "fifo loop/sink " + n)));
            }
            int moves = 0;
            while (!sent.stream().allMatch(Future::isDone) || moves < 6) {
                String here = whereRuns("loop/sink/0");
                reports.add(nodes.get(moves % 3).node.core().migrator().migrate("loop/sink/0", next(here)));
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
        assertThat(node("a").send("loop/sink/0", "count")).isEqualTo(String.valueOf(2 * n + 1));
        for (String s : senders) {
            assertThat(node("c").send("loop/sink", "seqs " + s)).as("from " + s).isEqualTo(expected);
        }
        System.out.println("MidRunMigrationTest: " + reports.size() + " moves of a loop atom, downtime ms: "
                + reports.stream().map(r -> String.format("%.1f", r.downtimeMs())).collect(Collectors.joining(" ")));
    }

    @Test
    void aLoopAtomInTheMiddleOfAComputationMovesAndFinishesThere() throws Exception {
        node("a").deploy(tmp, """
                app: busy
                atoms:
                  - { name: w, module: probe_loop.wasm, limits: { timeout: 60s } }
                """);
        FabricClusterTest.await("placed", () -> !whereRuns("busy/w/0").isEmpty());
        FabricClusterTest.await("deployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("busy") != null));
        String from = whereRuns("busy/w/0");
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
