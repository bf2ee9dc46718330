package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.atoll.abi.AtollException;
import io.atoll.cluster.FabricCluster;
import io.atoll.fabric.FabricOptions;
import io.atoll.fabric.NatsServer;
import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real nodes joined over a real nats-server: `atoll nodes` on either shows both. */
class ClusterNodesTest {
    @TempDir
    Path tmp;

    private final List<FabricCluster> joined = new java.util.ArrayList<>();

    private Node node(String name, String zone, String tag) {
        return Node.start(new NodeConfig(name, zone, List.of(tag), "127.0.0.1", 0, tmp.resolve(name), null));
    }

    /** A node joined to the fabric at {@code url}, as {@code atoll node start --fabric} does. */
    private Node joinedNode(String name, String zone, String tag, String url) {
        return Node.start(new NodeConfig(name, zone, List.of(tag), "127.0.0.1", 0, tmp.resolve(name), null), n -> {
            FabricCluster c = FabricCluster.join(n, FabricOptions.of(url), Duration.ofSeconds(3));
            joined.add(c);
            return c;
        });
    }

    @org.junit.jupiter.api.AfterEach
    void leave() {
        joined.forEach(FabricCluster::close);
    }

    private static JsonNode nodes(Node via) throws Exception {
        Cli r = Cli.run("nodes", "--json", "--node", via.baseUrl());
        assertThat(r.code()).as(r.err()).isZero();
        return NodeClient.JSON.readTree(r.out());
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void twoNodesSeeEachOtherAndALeaveAtOnce() throws Exception {
        try (NatsServer nats = NatsServer.start(); Node a = joinedNode("alpha", "cloud", "big", nats.url());
                Node b = joinedNode("beta", "edge", "arm", nats.url())) {
            await("both see both", () -> nodes(a).size() == 2 && nodes(b).size() == 2);
            JsonNode seenByA = nodes(a);
            assertThat(seenByA.get(0).get("name").asText()).isEqualTo("alpha");
            assertThat(seenByA.get(1).get("name").asText()).isEqualTo("beta");
            assertThat(seenByA.get(1).get("zone").asText()).isEqualTo("edge");
            assertThat(seenByA.get(1).get("tags").get(0).asText()).isEqualTo("arm");
            assertThat(seenByA.get(1).get("address").asText()).isEqualTo(b.baseUrl());
            assertThat(seenByA.get(1).get("state").asText()).isEqualTo("up");
            String table = Cli.run("nodes", "--node", b.baseUrl()).out();
            assertThat(table).contains("alpha").contains("beta").contains("cloud").contains("edge");

            joined.get(1).close(); // a graceful stop leaves: seen long before the 3 s heartbeat timeout
            long t0 = System.nanoTime();
            await("beta down", () -> nodes(a).get(1).get("state").asText().equals("down"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void aNameInUseIsRefusedWithAHint() throws Exception {
        try (NatsServer nats = NatsServer.start(); Node a = joinedNode("same", "cloud", "x", nats.url())) {
            assertThatThrownBy(() -> Node.start(new NodeConfig("same", "edge", List.of(), "127.0.0.1", 0, tmp.resolve("other"), null),
                    n -> FabricCluster.join(n, FabricOptions.of(nats.url()), Duration.ofSeconds(3))))
                    .isInstanceOf(AtollException.class).hasMessageContaining("already in use");
        }
    }

    @Test
    void anUnreachableFabricIsAClearError() {
        assertThatThrownBy(() -> joinedNode("lonely", "cloud", "x", "nats://127.0.0.1:1"))
                .isInstanceOf(AtollException.class).hasMessageContaining("cannot reach the fabric");
    }
}
