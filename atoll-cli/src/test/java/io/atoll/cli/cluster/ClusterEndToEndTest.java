package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster as users run it: `atoll node start` processes on real nats-servers, an application
 * of C probe atoms deployed with `atoll deploy` through one node, driven over HTTP. One cluster
 * per test, several checks each (starting processes is the expensive part).
 */
class ClusterEndToEndTest {
    private static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    private static final Duration CONVERGE = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private Path manifest(String name, String yaml) throws IOException {
        try (InputStream in = ClusterEndToEndTest.class.getResourceAsStream("/atoms/probe.wasm")) {
            Files.write(dir.resolve("probe.wasm"), in.readAllBytes());
        }
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, yaml);
        return f;
    }

    /** A probe command through {@code via}'s management API; the answer body (status checked). */
    private static String send(NodeProcess via, String atom, String command) throws IOException {
        HttpResponse<String> r = Http.post(via.url() + "/api/v1/send?to=" + atom + "&wait=10s", command, Duration.ofSeconds(20));
        if (r.statusCode() != 200) {
            throw new AssertionError("send " + command + " to " + atom + " via " + via.name() + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** name -> nodes that run it, from every live node's own atoms (no duplicates means one node each). */
    private static Map<String, List<String>> running(List<NodeProcess> nodes, String prefix) throws IOException {
        Map<String, List<String>> out = new HashMap<>();
        for (NodeProcess n : nodes) {
            for (JsonNode atom : JSON.readTree(Http.get(n.url() + "/api/v1/atoms").body())) {
                String name = atom.get("name").asText();
                if (name.startsWith(prefix) && n.name().equals(atom.path("node").asText())
                        && !List.of("stopped", "failed").contains(atom.path("state").asText())) {
                    out.computeIfAbsent(name, k -> new ArrayList<>()).add(n.name());
                }
            }
        }
        return out;
    }

    @Test
    void threeNodesShareNamesMessagesIngressAndFailOverWithoutDuplicates() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir).downAfter(DOWN_AFTER)) {
            NodeProcess a = h.start("a", "cloud", List.of("big"), h.server());
            NodeProcess b = h.start("b", "cloud", List.of("big"), h.server());
            NodeProcess c = h.start("c", "edge", List.of("edge"), h.server());
            List.of(a, b, c).forEach(h::await);
            h.eventually("three up", CONVERGE, () -> h.nodes(a).stream().filter(n -> n.state().equals("up")).count() == 3);

            // an atom nobody can host is refused with the reason, and nothing is deployed
            CliRun refused = CliRun.run("deploy", manifest("gpu", """
                    app: gpu
                    atoms:
                      - { name: g, module: probe.wasm, placement: { tags: { allow: [gpu] } } }
                    """).toString(), "--node", b.url());
            assertThat(refused.code()).isNotZero();
            assertThat(refused.err()).contains("cannot be placed").contains("a: no tag of [gpu]");

            CliRun deploy = CliRun.run("deploy", manifest("e2e", """
                    app: e2e
                    atoms:
                      - { name: sink, module: probe.wasm, limits: { mailbox: 100000 }, placement: { zone: edge } }
                      - { name: sender, module: probe.wasm, placement: { per-node: 1 }, aliases: [senders] }
                      - { name: keep, module: probe.wasm, instances: 3, recovery: restart, placement: { tags: { allow: [big] } } }
                      - { name: web, module: probe.wasm, kind: reactive, placement: { zone: edge }, routes: [ { path: /web } ] }
                    """).toString(), "--node", a.url());
            assertThat(deploy.code()).as(deploy.err()).isZero();
            List<NodeProcess> all = List.of(a, b, c);
            h.eventually("every atom placed once", CONVERGE, () -> running(all, "e2e/"),
                    m -> m.size() == 7 && m.values().stream().allMatch(v -> v.size() == 1)
                            && m.get("e2e/sink/0").equals(List.of("c")) && m.get("e2e/sender/b-0").equals(List.of("b")));
            assertThat(running(all, "e2e/keep/").values()).allMatch(v -> !v.contains("c"));

            // look-ups see the whole cluster from any atom
            h.eventually("a's sender sees every sender", CONVERGE, () -> send(a, "e2e/sender/a-0", "lookup alias senders"),
                    s -> s.equals("e2e/sender/a-0\ne2e/sender/b-0\ne2e/sender/c-0"));
            assertThat(send(c, "e2e/sender/c-0", "lookup regex keep/\\d")).isEqualTo("e2e/keep/0\ne2e/keep/1\ne2e/keep/2");

            // FIFO per sender across nodes, two remote senders at once
            int n = 300;
            var pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<String>> sent = new ArrayList<>();
                for (String s : List.of("e2e/sender/a-0", "e2e/sender/b-0")) {
                    sent.add(pool.submit(() -> send(a, s, "fifo e2e/sink " + n)));
                }
                for (Future<String> f : sent) {
                    assertThat(f.get()).isEqualTo("sent " + n);
                }
            } finally {
                pool.shutdown();
            }
            String expected = IntStream.range(0, n).mapToObj(String::valueOf).collect(Collectors.joining(" "));
            assertThat(send(b, "e2e/sink", "seqs e2e/sender/a-0")).isEqualTo(expected);
            assertThat(send(b, "e2e/sink", "seqs e2e/sender/b-0")).isEqualTo(expected);

            // ingress on node a reaches the atom on node c
            HttpResponse<String> web = Http.post(a.url() + "/apps/e2e/web", "self");
            assertThat(web.statusCode()).isEqualTo(200);
            assertThat(web.body()).isEqualTo("e2e/web/c-r1");

            // kill -9 the node with the most 'keep' instances: they come back on the other within a bound
            Map<String, List<String>> keep = running(all, "e2e/keep/");
            NodeProcess victim = keep.values().stream().flatMap(List::stream).collect(Collectors.groupingBy(x -> x, Collectors.counting()))
                    .entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> e.getKey().equals("a") ? a : b).orElseThrow();
            NodeProcess survivor = victim == a ? b : a;
            long killedAt = System.nanoTime();
            h.kill9(victim);
            List<NodeProcess> live = List.of(survivor, c);
            h.eventually("every keep instance runs on " + survivor.name(), CONVERGE, () -> running(live, "e2e/keep/"),
                    m -> m.size() == 3 && m.values().stream().allMatch(v -> v.equals(List.of(survivor.name()))));
            Duration failover = Duration.ofNanos(System.nanoTime() - killedAt);
            System.out.println("ClusterEndToEndTest: failover took " + failover.toMillis() + " ms after kill -9");
            assertThat(failover).as("failover within down-after + 8 s").isLessThan(DOWN_AFTER.plusSeconds(8));
            for (int k = 0; k < 3; k++) {
                assertThat(send(c, "e2e/keep/" + k, "self")).isEqualTo("e2e/keep/" + k); // reachable by name
            }

            // the dead node comes back: it rejoins, and no second copy of anything starts
            h.restart(victim);
            h.eventually("the victim is up again", CONVERGE, () -> h.state(c, victim.name()).equals("up"));
            h.eventually("the victim runs its per-node sender again", CONVERGE, () -> running(all, "e2e/sender/"),
                    m -> m.size() == 3);
            Thread.sleep(3000); // three placement passes
            Map<String, List<String>> after = running(all, "e2e/");
            assertThat(after).hasSize(8); // 7 daemons and the reactive web instance
            assertThat(after.values()).allMatch(v -> v.size() == 1);
            assertThat(after.get("e2e/keep/0")).containsExactly(survivor.name());
        }
    }

    @Test
    void twoZonesKeepLocalServiceWhileCutAndConvergeWithoutDuplicatesAfter() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir).downAfter(DOWN_AFTER)) {
            NodeProcess a = h.startAndAwait("a", "cloud", List.of("big"), h.hub());
            NodeProcess e = h.startAndAwait("e", "edge", List.of("arm64"), h.edge());
            List<NodeProcess> both = List.of(a, e);
            h.eventually("both up", CONVERGE, () -> h.state(a, "e").equals("up") && h.state(e, "a").equals("up"));
            CliRun deploy = CliRun.run("deploy", manifest("z", """
                    app: z
                    atoms:
                      - { name: roam, module: probe.wasm, instances: 3, recovery: restart }
                      - { name: local, module: probe.wasm, kind: reactive, placement: { zone: edge }, routes: [ { path: /local } ] }
                      - { name: cloudy, module: probe.wasm, placement: { zone: cloud, per-node: 1 }, routes: [ { path: /cloudy } ] }
                    """).toString(), "--node", e.url());
            assertThat(deploy.code()).as(deploy.err()).isZero();
            Map<String, List<String>> placed = h.eventually("everything placed", CONVERGE, () -> running(both, "z/"),
                    m -> m.size() == 4 && List.of("a").equals(m.get("z/cloudy/a-0")));
            List<String> roamOnEdge = placed.entrySet().stream().filter(x -> x.getKey().startsWith("z/roam/") && x.getValue().equals(List.of("e")))
                    .map(Map.Entry::getKey).sorted().toList();
            assertThat(roamOnEdge).as("rendezvous puts some of the three roam instances on e").isNotEmpty();
            assertThat(Http.post(e.url() + "/apps/z/cloudy", "self").body()).isEqualTo("z/cloudy/a-0"); // across the link

            h.cutLink();
            h.eventually("e sees a down", CONVERGE, () -> h.state(e, "a").equals("down"));
            // the edge keeps serving its own atoms
            HttpResponse<String> local = Http.post(e.url() + "/apps/z/local", "self");
            assertThat(local.statusCode()).isEqualTo(200);
            assertThat(local.body()).startsWith("z/local/e-r");
            String roam = roamOnEdge.get(0);
            assertThat(send(e, roam, "echo still here")).isEqualTo("still here");
            // what crosses the cut link fails with an error code, not silence
            assertThat(send(e, roam, "send z/cloudy/a-0 hello")).isEqualTo("-8 EUNREACHABLE");
            HttpResponse<String> cut = Http.post(e.url() + "/apps/z/cloudy", "self", Duration.ofSeconds(10));
            assertThat(cut.statusCode()).isEqualTo(503);
            assertThat(cut.body()).contains("EUNREACHABLE").doesNotContain("Exception");
            // the cloud side (which holds the directory) takes e's roam instances over: both run them while cut
            h.eventually("a runs e's roam instances too", CONVERGE, () -> running(List.of(a), "z/roam/"),
                    m -> m.keySet().containsAll(roamOnEdge));

            h.restoreLink();
            h.eventually("each roam instance once again, e's now on a (the directory's owner)", CONVERGE,
                    () -> running(both, "z/roam/"),
                    m -> m.size() == 3 && m.values().stream().allMatch(v -> v.size() == 1)
                            && roamOnEdge.stream().allMatch(r -> List.of("a").equals(m.get(r))));
            assertThat(Http.post(e.url() + "/apps/z/cloudy", "self").body()).isEqualTo("z/cloudy/a-0");
            assertThat(send(e, roam, "self")).isEqualTo(roam);
        }
    }

    @Test
    void migrateShowsThePreCopyAsItGoesAndTheAtomKeepsItsMemory() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir)) {
            NodeProcess a = h.start("a", "cloud", List.of(), h.server());
            NodeProcess c = h.start("c", "cloud", List.of(), h.server());
            List.of(a, c).forEach(h::await);
            h.eventually("both up", CONVERGE, () -> h.state(a, "c").equals("up"));
            CliRun deploy = CliRun.run("deploy", manifest("bulk", """
                    app: bulk
                    atoms:
                      - { name: d, module: probe.wasm, hibernate: never, limits: { memory: 256Mi, timeout: 60s } }
                    """).toString(), "--node", a.url());
            assertThat(deploy.code()).as(deploy.err()).isZero();
            String owner = h.eventually("placed", CONVERGE, () -> running(List.of(a, c), "bulk/").getOrDefault("bulk/d/0", List.of()),
                    l -> l.size() == 1).get(0);
            NodeProcess source = owner.equals("a") ? a : c;
            NodeProcess target = source == a ? c : a;
            assertThat(send(source, "bulk/d/0", "fill 65536")).isEqualTo("filled 65536"); // 64 MiB, incompressible
            String mem = send(source, "bulk/d/0", "mem");
            // asked through the other node: the command finds the atom's node and follows the move there
            CliRun r = CliRun.run("migrate", "bulk/d/0", "--to", target.name(), "--node", target.url());
            assertThat(r.code()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("moving bulk/d/0 to " + target.name()).containsPattern("pre-copy round 1: [0-9.]+ MiB sent")
                    .contains("moved bulk/d/0 from " + source.name() + " to " + target.name());
            assertThat(r.out().lines().filter(l -> l.contains("pre-copy rounds")).findFirst().orElse(""))
                    .as("at least one pre-copy round reported").doesNotContain(" 0 pre-copy rounds");
            System.out.println("ClusterEndToEndTest: " + r.out().strip().replace("\n", " | "));
            assertThat(send(target, "bulk/d/0", "mem")).isEqualTo(mem);
            assertThat(send(target, "bulk/d/0", "count")).isEqualTo("4"); // fill, mem, mem, then this one
        }
    }

    @Test
    void aTargetKilledInTheMiddleOfATransferLeavesTheAtomRunningOnTheSource() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir).downAfter(DOWN_AFTER)) {
            NodeProcess a = h.start("a", "cloud", List.of("src"), h.server());
            NodeProcess c = h.start("c", "cloud", List.of("dst"), h.server());
            List.of(a, c).forEach(h::await);
            h.eventually("both up", CONVERGE, () -> h.state(a, "c").equals("up"));
            CliRun deploy = CliRun.run("deploy", manifest("big", """
                    app: big
                    atoms:
                      - { name: d, module: probe.wasm, hibernate: never, limits: { memory: 256Mi, timeout: 60s } }
                    """).toString(), "--node", a.url());
            assertThat(deploy.code()).as(deploy.err()).isZero();
            String owner = h.eventually("placed", CONVERGE, () -> running(List.of(a, c), "big/").getOrDefault("big/d/0", List.of()),
                    l -> l.size() == 1).get(0);
            NodeProcess source = owner.equals("a") ? a : c;
            NodeProcess target = source == a ? c : a;
            // 32 MiB of incompressible memory: capturing and sending it takes about a second here
            assertThat(send(source, "big/d/0", "fill 32768")).isEqualTo("filled 32768");
            assertThat(send(source, "big/d/0", "count")).isEqualTo("2");

            var pool = Executors.newSingleThreadExecutor();
            try {
                Future<CliRun> move = pool.submit(() -> CliRun.run("migrate", "big/d/0", "--to", target.name(), "--node", source.url()));
                Thread.sleep(100); // the capture (deflating 32 MiB) and the transfer are under way
                h.kill9(target);
                CliRun r = move.get(120, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.code()).as("the move failed: " + r.out() + r.err()).isNotZero();
                assertThat(r.err()).contains("moving big/d/0 to " + target.name() + " failed")
                        .contains("keeps running on " + source.name());
                System.out.println("ClusterEndToEndTest: " + r.err().lines().findFirst().orElse(""));
            } finally {
                pool.shutdown();
            }
            // never zero copies, never two: it still runs on the source, with its memory
            assertThat(running(List.of(source), "big/").get("big/d/0")).containsExactly(source.name());
            assertThat(send(source, "big/d/0", "count")).isEqualTo("3");
        }
    }
}
