package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.cli.cluster.ClusterHarness.NodeView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership as users see it: real {@code atoll node start} processes joined over real
 * nats-servers, asked through {@code GET /api/v1/nodes} and {@code atoll nodes --json}.
 */
class ClusterFormationTest {
    private static final Duration DOWN_AFTER = Duration.ofSeconds(2);
    /** The bound the cluster promises for noticing a silent node: down-after plus 2 s. */
    private static final Duration DETECTION = DOWN_AFTER.plusSeconds(2);
    private static final Duration CONVERGE = Duration.ofSeconds(10);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /** name → "state zone tags" as {@code via} reports the cluster. */
    private static Map<String, String> view(List<NodeView> nodes) {
        return nodes.stream().collect(Collectors.toMap(NodeView::name,
                n -> n.state() + " " + n.zone() + " " + String.join(",", n.tags()), (x, y) -> x + " AND " + y));
    }

    private static final Map<String, String> ALL_UP = Map.of(
            "a", "up cloud big,x86",
            "b", "up cloud big,arm64",
            "c", "up edge small,arm64");

    @Test
    void threeNodesFormAClusterNoticeAKilledNodeAndTakeItBackWhenItRestarts() throws Exception {
        try (ClusterHarness h = ClusterHarness.singleServer(dir).downAfter(DOWN_AFTER)) {
            NodeProcess a = h.start("a", "cloud", List.of("big", "x86"), h.server());
            NodeProcess b = h.start("b", "cloud", List.of("big", "arm64"), h.server());
            NodeProcess c = h.start("c", "edge", List.of("small", "arm64"), h.server());
            for (NodeProcess n : List.of(a, b, c)) {
                h.await(n);
            }
            for (NodeProcess via : List.of(a, b, c)) {
                h.eventually(via.name() + " lists all three up with their zones and tags", CONVERGE,
                        () -> view(h.nodes(via)), ALL_UP::equals);
                CliRun cli = CliRun.run("nodes", "--json", "--node", via.url());
                assertThat(cli.code()).as(cli.err()).isZero();
                assertThat(view(NodeView.parse(cli.out()))).as("atoll nodes --json on " + via.name()).isEqualTo(ALL_UP);
            }
            NodeView cSeenByA = NodeView.find(h.nodes(a), "c").orElseThrow();
            assertThat(cSeenByA.address()).isEqualTo(c.url());

            long killedAt = System.nanoTime();
            h.kill9(c);
            for (NodeProcess via : List.of(a, b)) {
                h.eventually(via.name() + " shows c down within down-after + 2 s of kill -9", remaining(killedAt, DETECTION),
                        () -> view(h.nodes(via)),
                        v -> v.equals(Map.of("a", "up cloud big,x86", "b", "up cloud big,arm64",
                                "c", "down edge small,arm64")));
            }
            System.out.println("ClusterFormationTest: c seen down by a and b "
                    + Duration.ofNanos(System.nanoTime() - killedAt).toMillis() + " ms after kill -9");

            h.restart(c); // same name, zone, tags and data dir
            for (NodeProcess via : List.of(a, b, c)) {
                h.eventually(via.name() + " lists c up again, once", CONVERGE, () -> view(h.nodes(via)), ALL_UP::equals);
            }
            assertThat(h.nodes(a).stream().filter(n -> n.name().equals("c"))).hasSize(1);
            CliRun cli = CliRun.run("nodes", "--json", "--node", c.url());
            assertThat(view(NodeView.parse(cli.out()))).isEqualTo(ALL_UP);
        }
    }

    @Test
    void nodesInTwoZonesSeeEachOtherLoseEachOtherWhileTheLinkIsCutAndRecover() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir).downAfter(DOWN_AFTER)) {
            NodeProcess a = h.start("a", "cloud", List.of("big"), h.hub());
            NodeProcess e = h.start("e", "edge", List.of("arm64"), h.edge());
            h.await(a);
            h.await(e);
            Map<String, String> bothUp = Map.of("a", "up cloud big", "e", "up edge arm64");
            for (NodeProcess via : List.of(a, e)) {
                h.eventually(via.name() + " sees both up", CONVERGE, () -> view(h.nodes(via)), bothUp::equals);
            }

            long cutAt = System.nanoTime();
            h.cutLink();
            h.eventually("a (cloud) sees e down and itself up within down-after + 2 s of the cut",
                    remaining(cutAt, DETECTION), () -> view(h.nodes(a)),
                    Map.of("a", "up cloud big", "e", "down edge arm64")::equals);
            h.eventually("e (edge) sees a down and itself up within down-after + 2 s of the cut",
                    remaining(cutAt, DETECTION), () -> view(h.nodes(e)),
                    Map.of("a", "down cloud big", "e", "up edge arm64")::equals);
            System.out.println("ClusterFormationTest: each zone saw the other down "
                    + Duration.ofNanos(System.nanoTime() - cutAt).toMillis() + " ms after the cut");

            long restoredAt = System.nanoTime();
            h.restoreLink();
            // The leaf reconnects within ~1 s; the next heartbeats (every 1 s) bring each node back.
            for (NodeProcess via : List.of(a, e)) {
                h.eventually(via.name() + " sees both up again after restoreLink", Duration.ofSeconds(5),
                        () -> view(h.nodes(via)), bothUp::equals);
            }
            System.out.println("ClusterFormationTest: both up on both sides "
                    + Duration.ofNanos(System.nanoTime() - restoredAt).toMillis() + " ms after restoreLink");
        }
    }

    @Test
    void withoutAJetStreamDomainAnEdgeNodeCannotReachTheSharedStateAndIsRefusedAtStart() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir, ClusterHarness.JetStreamAccess.NO_DOMAIN)
                .downAfter(DOWN_AFTER)) {
            NodeProcess e = h.start("e", "edge", List.of("arm64"), h.edge());
            // nats-server 2.9 keeps plain JetStream traffic off a leaf link: the directory (a KV bucket
            // on the hub) gets "no responders", so the node stops at once with the error.
            assertThat(h.awaitExit(e, Duration.ofSeconds(40))).as(e.logTail(30)).isEqualTo(1);
            assertThat(e.logTail(30)).contains("error: cannot open the directory: Timeout or no response waiting for"
                    + " NATS JetStream server");
        }
    }

    private static Duration remaining(long sinceNanos, Duration bound) {
        Duration left = bound.minusNanos(System.nanoTime() - sinceNanos);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
