package io.atoll.cluster;

import io.atoll.fabric.FabricOptions;
import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A real node joined to a real fabric, in this JVM: its own data directory, any free port. */
final class ClusterNode implements AutoCloseable {
    final Node node;
    final FabricCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ClusterNode(Node node, FabricCluster cluster) {
        this.node = node;
        this.cluster = cluster;
    }

    static ClusterNode start(Path root, String name, String zone, List<String> tags, String fabricUrl) {
        FabricCluster[] c = new FabricCluster[1];
        Node n = Node.start(new NodeConfig(name, zone, tags, "127.0.0.1", 0, root.resolve(name), null),
                x -> c[0] = FabricCluster.join(x, FabricOptions.of(fabricUrl), Duration.ofSeconds(2)));
        c[0].start();
        return new ClusterNode(n, c[0]);
    }

    String name() {
        return node.config().name();
    }

    /** Writes the test atoms (probe, probe_loop) next to a manifest in {@code dir} and deploys it through this node. */
    List<String> deploy(Path dir, String yaml) {
        try {
            for (String atom : List.of("probe", "probe_loop")) {
                try (InputStream in = ClusterNode.class.getResourceAsStream("/atoms/" + atom + ".wasm")) {
                    Files.write(dir.resolve(atom + ".wasm"), in.readAllBytes());
                }
            }
            Path f = Files.createTempFile(dir, "app", ".yaml");
            Files.writeString(f, yaml);
            return node.deploy(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse<String> request(String method, String path, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).timeout(Duration.ofSeconds(20));
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends a probe command through this node's management API; the answer, or an AssertionError. */
    String send(String atom, String payload) {
        HttpResponse<String> r = request("POST", "/api/v1/send?to=" + atom + "&wait=15s", payload);
        if (r.statusCode() != 200) {
            throw new AssertionError(name() + ": send to " + atom + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** The names of the atoms running on this node. */
    List<String> localAtoms() {
        return node.core().directory().all();
    }

    /** Stops without leaving, as a crash looks to the others: they notice after down-after. */
    void crash() {
        cluster.crashForTest();
        node.close();
    }

    @Override
    public void close() {
        node.close();
        cluster.close();
    }
}
