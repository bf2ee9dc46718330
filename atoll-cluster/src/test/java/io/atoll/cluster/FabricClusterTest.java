package io.atoll.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.atoll.fabric.NatsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes in one JVM on a real nats-server: a and b in zone cloud (tag big), c in zone
 * edge (tag edge). Deploys go through one node and reach all; messages, look-ups, replies and
 * ingress cross nodes; daemons fail over. The multi-process tests in atoll-cli cover the same
 * with `atoll node start` processes and kill -9.
 */
class FabricClusterTest {
    static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path tmp;
    NatsServer nats;
    ClusterNode a;
    ClusterNode b;
    ClusterNode c;
    final List<ClusterNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() {
        nats = NatsServer.start();
        a = add("a", "cloud", List.of("big"));
        b = add("b", "cloud", List.of("big"));
        c = add("c", "edge", List.of("edge"));
        await("every node sees three up", () -> nodes.stream().allMatch(n -> n.cluster.members().stream()
                .filter(m -> m.state() == io.atoll.fabric.Member.State.UP).count() == 3));
    }

    ClusterNode add(String name, String zone, List<String> tags) {
        ClusterNode n = ClusterNode.start(tmp, name, zone, tags, nats.url());
        nodes.add(n);
        return n;
    }

    @AfterEach
    void stop() {
        for (ClusterNode n : nodes) {
            try {
                n.close();
            } catch (RuntimeException ignored) {
                // crashed already
            }
        }
        nats.close();
    }

    static void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** The node that runs a name, by asking every node for its local atoms. */
    List<String> whereRuns(String name) {
        List<String> out = new ArrayList<>();
        for (ClusterNode n : nodes) {
            if (n.localAtoms().contains(name)) {
                out.add(n.name());
            }
        }
        return out;
    }

    @Test
    void aDeployThroughOneNodeReachesAllAndSpreadsItsDaemonsOncePerInstance() {
        a.deploy(tmp, """
                app: spread
                atoms:
                  - { name: d, module: probe.wasm, instances: 6 }
                  - { name: edgy, module: probe.wasm, placement: { tags: { allow: [edge] } } }
                  - { name: everywhere, module: probe.wasm, placement: { per-node: 1 } }
                """);
        await("the app on every node", () -> nodes.stream().allMatch(n -> n.node.core().app("spread") != null));
        await("six instances of d, each on one node", () -> {
            for (int k = 0; k < 6; k++) {
                if (whereRuns("spread/d/" + k).size() != 1) {
                    return false;
                }
            }
            return true;
        });
        Set<String> hosts = new HashSet<>();
        for (int k = 0; k < 6; k++) {
            hosts.addAll(whereRuns("spread/d/" + k));
        }
        assertThat(hosts).as("rendezvous placement spreads six instances over three nodes").hasSizeGreaterThan(1);
        await("edgy on c only", () -> whereRuns("spread/edgy/0").equals(List.of("c")));
        await("one 'everywhere' per node", () -> whereRuns("spread/everywhere/a-0").equals(List.of("a"))
                && whereRuns("spread/everywhere/b-0").equals(List.of("b"))
                && whereRuns("spread/everywhere/c-0").equals(List.of("c")));

        // the same answers through any node, wherever the atom runs
        for (ClusterNode via : nodes) {
            assertThat(via.send("spread/edgy/0", "self")).isEqualTo("spread/edgy/0");
            assertThat(via.send("spread/edgy", "self")).isEqualTo("spread/edgy/0");
        }
        // `atoll ps` through any node lists the whole cluster, each atom with its node
        await("a's list shows c's atom", () -> psNodeOf(a, "spread/edgy/0").equals("c"));
        assertThat(psNodeOf(a, "spread/everywhere/a-0")).isEqualTo("a");
        assertThat(psNodeOf(b, "spread/everywhere/c-0")).isEqualTo("c");
        assertThat(b.request("GET", "/api/v1/atoms/spread/everywhere/c-0", null).body()).contains("\"node\":\"c\"");
        assertThat(c.request("GET", "/api/v1/atoms/spread/everywhere/c-0", null).body()).contains("\"style\"");

        // cluster-wide look-ups from an atom on a see names on c, as a single node would
        String seen = a.send("spread/everywhere/a-0", "lookup prefix everywhere/");
        assertThat(seen.split("\n")).containsExactly("spread/everywhere/a-0", "spread/everywhere/b-0", "spread/everywhere/c-0");
        assertThat(a.send("spread/everywhere/a-0", "lookup regex edgy/\\d+")).isEqualTo("spread/edgy/0");

        // a node that joins later deploys the application and starts the daemons placed on every
        // node; the daemons already running elsewhere stay where they are (sticky: no state lost)
        java.util.Map<String, List<String>> before = new java.util.HashMap<>();
        for (int k = 0; k < 6; k++) {
            before.put("spread/d/" + k, whereRuns("spread/d/" + k));
        }
        ClusterNode d = add("d", "cloud", List.of("big"));
        await("d runs its own 'everywhere'", () -> whereRuns("spread/everywhere/d-0").equals(List.of("d")));
        assertThat(d.node.core().app("spread")).isNotNull();
        assertThat(d.send("spread/edgy/0", "self")).isEqualTo("spread/edgy/0");
        for (int k = 0; k < 6; k++) {
            assertThat(whereRuns("spread/d/" + k)).as("spread/d/" + k).isEqualTo(before.get("spread/d/" + k));
        }
    }

    /** The node {@code GET /api/v1/atoms} on {@code via} gives for an atom ("" if not listed). */
    static String psNodeOf(ClusterNode via, String atom) {
        try {
            for (var n : new com.fasterxml.jackson.databind.ObjectMapper().readTree(via.request("GET", "/api/v1/atoms", null).body())) {
                if (n.get("name").asText().equals(atom)) {
                    return n.get("node").asText();
                }
            }
            return "";
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anAtomNobodyCanHostIsRefusedWithTheReason() {
        assertThatThrownBy(() -> b.deploy(tmp, """
                app: nowhere
                atoms:
                  - { name: gpu, module: probe.wasm, placement: { tags: { allow: [gpu] } } }
                """)).isInstanceOf(AtollException.class)
                .hasMessageContaining("atom 'nowhere/gpu' cannot be placed")
                .hasMessageContaining("a: no tag of [gpu]");
        assertThat(nodes).allMatch(n -> n.node.core().app("nowhere") == null);
    }

    @Test
    void messagesCrossNodesInFifoOrderUnderConcurrentSendersAndRepliesComeBack() throws Exception {
        a.deploy(tmp, """
                app: m
                atoms:
                  - { name: sink, module: probe.wasm, limits: { mailbox: 100000 }, placement: { zone: edge } }
                  - { name: sender, module: probe.wasm, placement: { per-node: 2 }, aliases: [senders] }
                """);
        await("senders everywhere", () -> whereRuns("m/sender/a-1").size() == 1 && whereRuns("m/sender/b-1").size() == 1
                && whereRuns("m/sender/c-1").size() == 1 && whereRuns("m/sink/0").equals(List.of("c")));
        await("a sees every sender", () -> a.node.core().lookup("m", io.atoll.abi.Abi.LOOKUP_ALIAS, "senders").size() == 6);
        int n = 300;
        List<String> senders = List.of("m/sender/a-0", "m/sender/a-1", "m/sender/b-0", "m/sender/b-1");
        var pool = Executors.newFixedThreadPool(senders.size());
        try {
            List<Future<String>> sent = new ArrayList<>();
            for (String s : senders) {
                Callable<String> job = () -> a.send(s, "fifo m/sink " + n);
                sent.add(pool.submit(job));
            }
            for (Future<String> f : sent) {
                assertThat(f.get()).isEqualTo("sent " + n);
            }
        } finally {
            pool.shutdown();
        }
        String expected = String.join(" ", java.util.stream.IntStream.range(0, n).mapToObj(String::valueOf).toList());
        for (String s : senders) {
            assertThat(b.send("m/sink", "seqs " + s)).as("from " + s).isEqualTo(expected);
        }
        // request/reply between atoms across nodes: a's sender asks c's sink and waits for each answer
        assertThat(a.send("m/sender/a-0", "rtt m/sink/0 20")).matches("p50=\\d+ p99=\\d+ n=20");
        // one-to-many by alias reaches all six senders on three nodes
        assertThat(c.send("m/sender/c-0", "sendalias senders hello")).isEqualTo("6 OK");
        await("b's sender got it", () -> b.send("m/sender/b-1", "inbox").contains("m/sender/c-0 hello"));
    }

    @Test
    void ingressOnAnyNodeReachesTheAtomWhereverItRuns() {
        b.deploy(tmp, """
                app: web
                atoms:
                  - { name: edge-only, module: probe.wasm, kind: reactive, policy: one, placement: { zone: edge },
                      routes: [ { path: /here } ] }
                  - { name: cloud-fn, module: probe.wasm, kind: reactive, policy: on-demand, placement: { tags: { allow: [big] } },
                      routes: [ { path: /fn } ] }
                """);
        await("web on every node", () -> nodes.stream().allMatch(n -> n.node.core().app("web") != null));
        var r = a.request("POST", "/apps/web/here", "self");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("web/edge-only/c-r1");
        // reactive instances are made on the receiving node when it is eligible
        assertThat(a.request("POST", "/apps/web/fn", "self").body()).startsWith("web/cloud-fn/a-r");
        assertThat(c.request("POST", "/apps/web/fn", "self").body()).matches("web/cloud-fn/[ab]-r\\d+");
        // an HTTP fault on the remote atom is a 500 here, without internals
        var trap = a.request("POST", "/apps/web/here", "trap");
        assertThat(trap.statusCode()).isEqualTo(500);
        assertThat(trap.body()).doesNotContain("unreachable");
    }

    @Test
    void aDeadNodesRestartableDaemonsComeBackElsewhereAndNoDuplicateStays() {
        a.deploy(tmp, """
                app: fo
                atoms:
                  - { name: keep, module: probe.wasm, instances: 3, recovery: restart }
                  - { name: once, module: probe.wasm, instances: 3, recovery: none }
                """);
        await("all placed", () -> {
            for (int k = 0; k < 3; k++) {
                if (whereRuns("fo/keep/" + k).size() != 1 || whereRuns("fo/once/" + k).size() != 1) {
                    return false;
                }
            }
            return true;
        });
        // crash the node that holds the most instances
        ClusterNode victim = nodes.stream().max(java.util.Comparator.comparingLong(n -> n.localAtoms().stream()
                .filter(x -> x.startsWith("fo/keep/")).count())).orElseThrow();
        List<String> lost = victim.localAtoms().stream().filter(x -> x.startsWith("fo/keep/")).toList();
        List<String> lostForGood = victim.localAtoms().stream().filter(x -> x.startsWith("fo/once/")).toList();
        assertThat(lost).isNotEmpty();
        victim.crash();
        nodes.remove(victim);
        ClusterNode survivor = nodes.get(0);
        long t0 = System.nanoTime();
        for (String name : lost) {
            await(name + " restarted on a live node", () -> whereRuns(name).size() == 1);
            assertThat(survivor.send(name, "self")).isEqualTo(name);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("failover time").isLessThan(Duration.ofSeconds(10));
        for (String name : lostForGood) {
            assertThat(whereRuns(name)).as(name + " has recovery none: not restarted elsewhere").isEmpty();
        }

        // the dead node comes back (same name and data): it must not start a second copy of what moved
        ClusterNode back = add(victim.name(), victim.name().equals("c") ? "edge" : "cloud",
                victim.name().equals("c") ? List.of("edge") : List.of("big"));
        await("it is back with the app", () -> back.node.core().app("fo") != null);
        for (String name : lostForGood) {
            await(name + " restarted by its own node", () -> whereRuns(name).equals(List.of(back.name())));
        }
        try {
            Thread.sleep(2500); // a few placement passes
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        for (int k = 0; k < 3; k++) {
            assertThat(whereRuns("fo/keep/" + k)).as("fo/keep/" + k).hasSize(1);
            assertThat(whereRuns("fo/once/" + k)).as("fo/once/" + k).hasSize(1);
        }
    }

    @Test
    void aDaemonThatFailedRunsAgainAfterARedeploy() {
        String yaml = """
                app: flaky
                atoms:
                  - { name: d, module: probe.wasm, recovery: none }
                """;
        a.deploy(tmp, yaml);
        // every node has taken the deployment from the catalog: a node still catching up could
        // otherwise take it after the undeploy below and hold the name when c deploys again
        await("deployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("flaky") != null));
        await("placed", () -> whereRuns("flaky/d/0").size() == 1);
        ClusterNode owner = nodes.stream().filter(n -> n.localAtoms().contains("flaky/d/0")).findFirst().orElseThrow();
        owner.request("POST", "/api/v1/send?to=flaky/d/0&wait=2s", "trap");
        await("failed and gone", () -> whereRuns("flaky/d/0").isEmpty());
        b.node.undeploy("flaky");
        await("undeployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("flaky") == null));
        await("its failed entry released", () -> nodes.stream().allMatch(n -> n.node.core().lookup("flaky", 1, "").isEmpty()));
        c.deploy(tmp, yaml);
        await("running again", () -> whereRuns("flaky/d/0").size() == 1);
    }

    @Test
    void aFailedOverDaemonWithCheckpointsContinuesFromTheLastOne() throws Exception {
        failsOverFromItsCheckpoint("probe.wasm");
    }

    @Test
    void aFailedOverLoopStyleDaemonContinuesFromACheckpointOfItsCallStack() throws Exception {
        failsOverFromItsCheckpoint("probe_loop.wasm"); // captured blocked in receive, resumed there
    }

    private void failsOverFromItsCheckpoint(String module) throws Exception {
        a.deploy(tmp, """
                app: ck
                atoms:
                  - { name: d, module: %s, recovery: restart, checkpoint: 200ms, hibernate: never }
                """.formatted(module));
        await("placed", () -> whereRuns("ck/d/0").size() == 1);
        ClusterNode owner = nodes.stream().filter(n -> n.localAtoms().contains("ck/d/0")).findFirst().orElseThrow();
        for (int i = 1; i <= 5; i++) {
            assertThat(owner.send("ck/d/0", "count")).isEqualTo(String.valueOf(i));
        }
        Thread.sleep(1000); // a checkpoint after the last event (every 200 ms while there is news)
        owner.crash();
        nodes.remove(owner);
        await("restarted on a live node", () -> whereRuns("ck/d/0").size() == 1);
        ClusterNode survivor = nodes.get(0);
        // its in-memory count came back from the checkpoint: 5 events before, this is the 6th
        assertThat(survivor.send("ck/d/0", "count")).isEqualTo("6");
    }

    @Test
    void undeployThroughAnyNodeRemovesTheAppEverywhere() {
        c.deploy(tmp, """
                app: gone
                atoms:
                  - { name: d, module: probe.wasm, instances: 2 }
                """);
        await("deployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("gone") != null));
        assertThat(a.node.undeploy("gone")).isTrue();
        await("undeployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("gone") == null));
        await("names gone", () -> nodes.stream().allMatch(n -> n.node.core().lookup("gone", 1, "").isEmpty()));
    }

    @Test
    void aRedeployThroughANodeThatHasNotAppliedTheUndeployYetWaitsForItInsteadOfRefusing() throws Exception {
        String yaml = """
                app: again
                atoms:
                  - { name: d, module: probe.wasm, instances: 2 }
                """;
        a.deploy(tmp, yaml);
        await("deployed everywhere", () -> nodes.stream().allMatch(n -> n.node.core().app("again") != null));
        // b lags: its catalog worker is busy (as with a long deploy) when the undeploy comes
        CountDownLatch busy = new CountDownLatch(1);
        ((FabricCluster) b.node.core().cluster()).apps.worker.execute(() -> {
            try {
                busy.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(a.node.undeploy("again")).isTrue();
        assertThat(b.node.core().app("again")).as("b has not applied the undeploy").isNotNull();
        CompletableFuture<List<String>> redeploy = CompletableFuture.supplyAsync(() -> b.deploy(tmp, yaml));
        Thread.sleep(300);
        assertThat(redeploy).as("waits for b to apply the undeploy").isNotDone();
        busy.countDown();
        assertThat(redeploy.get(30, TimeUnit.SECONDS)).isNotEmpty();
        await("running everywhere again", () -> nodes.stream().allMatch(n -> n.node.core().app("again") != null));
    }

}
