package io.atoll.cli.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Real processes for end-to-end cluster tests: nats-server(s) from generated config files, a
 * {@link LinkProxy} between the zones, and {@code atoll node start} JVMs, all on free loopback
 * ports and all logging to files under one directory.
 *
 * <pre>{@code
 * @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;   // logs stay when a test fails
 * try (ClusterHarness h = ClusterHarness.twoZone(dir).downAfter(Duration.ofSeconds(2))) {
 *     NodeProcess a = h.start("a", "cloud", List.of("big"), h.hub());
 *     NodeProcess e = h.start("e", "edge", List.of("arm"), h.edge());
 *     h.await(a); h.await(e);
 *     h.eventually("a sees e up", Duration.ofSeconds(5), () -> h.state(a, "e"), "up"::equals);
 *     h.cutLink(); ...
 * }
 * }</pre>
 *
 * <p>Every wait is bounded. {@link #close} kills every process (also from a JVM shutdown hook, so
 * an aborted run leaves none behind) and deletes nothing: the directory is the caller's (a
 * {@code @TempDir} with {@code CleanupMode.ON_SUCCESS} keeps it for a failed test), and assertion
 * messages built with {@link #eventually} carry the log tails.
 */
public final class ClusterHarness implements AutoCloseable {
    /** A node is ready in 1.5 to 4 s on a quiet 2-core machine; this leaves room for a loaded one. */
    public static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LINK_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final NatsProcess hub;
    private final NatsProcess edge;
    private final LinkProxy link;
    private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook = new Thread(this::killAll, "cluster-harness-cleanup");
    private volatile Duration downAfter = Duration.ofSeconds(3);

    private static Path created(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private ClusterHarness(Path dir, NatsProcess hub, NatsProcess edge, LinkProxy link) {
        this.dir = dir;
        this.hub = hub;
        this.edge = edge;
        this.link = link;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** One nats-server with JetStream ({@code single.conf}). */
    public static ClusterHarness singleServer(Path dir) {
        NatsProcess s = NatsProcess.start(NatsProcess.template("single.conf"), "single", created(dir), Map.of());
        return new ClusterHarness(dir, s, null, null);
    }

    /** The JetStream domain of the hub ("cloud" zone) in two-zone set-ups. */
    public static final String HUB_DOMAIN = "cloud";

    /** How edge clients reach the hub's JetStream in a two-zone set-up. */
    public enum JetStreamAccess {
        /**
         * The hub's JetStream has domain {@value #HUB_DOMAIN} and the edge server maps its clients'
         * plain JetStream API into it ({@code default_js_domain}): clients need no domain setting.
         */
        EDGE_DEFAULT_DOMAIN,
        /** The hub's JetStream has domain {@value #HUB_DOMAIN}; edge clients must name it. */
        HUB_DOMAIN_ONLY,
        /** No domain anywhere: nats-server blocks the JetStream API on the leaf link. */
        NO_DOMAIN
    }

    /** Two zones ({@link JetStreamAccess#EDGE_DEFAULT_DOMAIN}): see {@link #twoZone(Path, JetStreamAccess)}. */
    public static ClusterHarness twoZone(Path dir) {
        return twoZone(dir, JetStreamAccess.EDGE_DEFAULT_DOMAIN);
    }

    /**
     * Two zones: "hub" (cloud) with JetStream, "edge" a leaf node of it without JetStream, the leaf
     * link going through a {@link LinkProxy}. Returns once the link is up on both servers.
     */
    public static ClusterHarness twoZone(Path dir, JetStreamAccess access) {
        created(dir);
        LinkProxy proxy = new LinkProxy();
        NatsProcess hub = null;
        NatsProcess edge = null;
        ClusterHarness h = null;
        try {
            Map<String, String> hubValues = new LinkedHashMap<>();
            hubValues.put("LEAF_PORT", "free-port");
            hubValues.put("LEAF_ADVERTISE", "127.0.0.1:" + proxy.port());
            hubValues.put("DOMAIN_LINE", access == JetStreamAccess.NO_DOMAIN ? "" : "domain: " + HUB_DOMAIN);
            hub = NatsProcess.start(NatsProcess.template("hub.conf"), "hub", dir, hubValues);
            proxy.target(Integer.parseInt(hub.value("LEAF_PORT")));
            edge = NatsProcess.start(NatsProcess.template("edge.conf"), "edge", dir, Map.of(
                    "HUB_LEAF_ADDRESS", "127.0.0.1:" + proxy.port(),
                    "DEFAULT_DOMAIN_LINE", access == JetStreamAccess.EDGE_DEFAULT_DOMAIN
                            ? "default_js_domain: { \"$G\": " + HUB_DOMAIN + " }" : ""));
            h = new ClusterHarness(dir, hub, edge, proxy);
            h.awaitLink(true, LINK_TIMEOUT);
            return h;
        } catch (RuntimeException | Error e) {
            if (h != null) {
                h.close();
                throw e;
            }
            if (edge != null) {
                edge.close();
            }
            if (hub != null) {
                hub.close();
            }
            proxy.close();
            throw e;
        }
    }

    /** The {@code --down-after} given to nodes started from now on (default 3 s). */
    public ClusterHarness downAfter(Duration d) {
        this.downAfter = d;
        return this;
    }

    public Duration downAfter() {
        return downAfter;
    }

    public Path dir() {
        return dir;
    }

    /** The only server of a single-server set-up (the hub of a two-zone one). */
    public NatsProcess server() {
        return hub;
    }

    public NatsProcess hub() {
        return hub;
    }

    public NatsProcess edge() {
        requireTwoZones();
        return edge;
    }

    public LinkProxy link() {
        requireTwoZones();
        return link;
    }

    // --- the link between the zones ---

    /** Closes every connection of the leaf link and refuses new ones; returns once both servers see it down. */
    public void cutLink() {
        requireTwoZones();
        link.cut();
        awaitLink(false, LINK_TIMEOUT);
    }

    /** Lets the edge's leaf connection through again (does not wait: see {@link #awaitLink}). */
    public void restoreLink() {
        requireTwoZones();
        link.restore();
    }

    /** Both servers report the leaf connection (true) or neither does (false). */
    public boolean linkUp() {
        requireTwoZones();
        return hub.leafConnections() > 0 && edge.leafConnections() > 0;
    }

    public void awaitLink(boolean up, Duration timeout) {
        requireTwoZones();
        eventually("leaf link " + (up ? "up" : "down") + " on both servers", timeout,
                () -> "hub " + hub.leafConnections() + ", edge " + edge.leafConnections() + " leaf connection(s)",
                s -> up ? linkUp() : hub.leafConnections() == 0 && edge.leafConnections() == 0);
    }

    // --- nodes ---

    /** Launches {@code atoll node start} (data dir {@code <dir>/data-<name>}); does not wait (see {@link #await}). */
    public NodeProcess start(String name, String zone, List<String> tags, NatsProcess server) {
        if (nodes.stream().anyMatch(n -> n.name().equals(name))) {
            throw new IllegalArgumentException("node " + name + " exists: use restart");
        }
        NodeProcess n = new NodeProcess(name, zone, tags, server, dir.resolve("data-" + name), dir, downAfter);
        nodes.add(n);
        n.launch();
        return n;
    }

    /** Waits (at most {@link #NODE_START_TIMEOUT}) for the node's "listening on" line. */
    public NodeProcess await(NodeProcess node) {
        node.awaitReady(NODE_START_TIMEOUT);
        return node;
    }

    public NodeProcess startAndAwait(String name, String zone, List<String> tags, NatsProcess server) {
        return await(start(name, zone, tags, server));
    }

    /** Waits (bounded) for a node that is expected to fail to exit by itself; returns its exit code. */
    public int awaitExit(NodeProcess node, Duration timeout) {
        return node.awaitExit(timeout);
    }

    /** kill -9: no leave message, the others notice only by silence. */
    public void kill9(NodeProcess node) {
        node.kill9();
    }

    /** SIGTERM (Process.destroy): the node leaves and shuts down; true if it exited within 15 s. */
    public boolean stop(NodeProcess node) {
        return node.stop(Duration.ofSeconds(15));
    }

    /** Starts the node again with the same name, zone, tags and data dir (killing it first if alive); waits until ready. */
    public NodeProcess restart(NodeProcess node) {
        if (node.isAlive()) {
            node.kill9();
        }
        node.launch();
        return await(node);
    }

    public List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    // --- HTTP and the management API ---

    public HttpResponse<String> get(NodeProcess node, String path) throws IOException {
        return Http.get(node.url() + path);
    }

    public HttpResponse<String> post(NodeProcess node, String path, String body) throws IOException {
        return Http.post(node.url() + path, body);
    }

    /** {@code GET /api/v1/nodes} on {@code via}, parsed. */
    public List<NodeView> nodes(NodeProcess via) throws IOException {
        HttpResponse<String> r = get(via, "/api/v1/nodes");
        if (r.statusCode() != 200) {
            throw new IOException("GET /api/v1/nodes on " + via.name() + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return NodeView.parse(r.body());
    }

    /** The state ("up"/"down") {@code via} reports for node {@code name}, or "absent". */
    public String state(NodeProcess via, String name) throws IOException {
        return nodes(via).stream().filter(n -> n.name().equals(name)).map(NodeView::state).findFirst().orElse("absent");
    }

    /** One entry of {@code /api/v1/nodes}. */
    public record NodeView(String name, String state, String zone, List<String> tags, String address, JsonNode json) {
        static List<NodeView> parse(String body) throws IOException {
            JsonNode array = JSON.readTree(body);
            List<NodeView> out = new ArrayList<>();
            for (JsonNode n : array) {
                List<String> tags = new ArrayList<>();
                n.path("tags").forEach(t -> tags.add(t.asText()));
                out.add(new NodeView(n.path("name").asText(), n.path("state").asText(), n.path("zone").asText(),
                        List.copyOf(tags), n.path("address").asText(), n));
            }
            return out;
        }

        static Optional<NodeView> find(List<NodeView> views, String name) {
            return views.stream().filter(v -> v.name().equals(name)).findFirst();
        }

        @Override
        public String toString() {
            return name + "(" + state + ", " + zone + ", " + tags + ")";
        }
    }

    // --- waiting ---

    /** {@link Eventually#eventually} whose failure message also carries the tail of every log. */
    public <T> T eventually(String description, Duration timeout, Callable<T> sample, Predicate<? super T> ok) {
        return Eventually.eventually(description, timeout, sample, ok, this::diagnostics);
    }

    public void eventually(String description, Duration timeout, Callable<Boolean> condition) {
        eventually(description, timeout, condition, Boolean.TRUE::equals);
    }

    /** The directory and the last lines of every server's and node's log. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder("logs in ").append(dir).append('\n');
        for (NatsProcess s : Arrays.asList(hub, edge)) {
            if (s != null) {
                sb.append("--- ").append(s).append(s.isAlive() ? "" : " [exited]").append('\n').append(s.logTail(12));
            }
        }
        for (NodeProcess n : nodes) {
            sb.append("--- ").append(n).append(" [").append(n.status()).append("]\n").append(n.logTail(15));
        }
        return sb.toString();
    }

    static String tail(Path file, int lines) {
        try {
            String[] all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n");
            return String.join("\n", Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length)) + "\n";
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")\n";
        }
    }

    // --- the end ---

    /** Kills every node and server (SIGKILL) and closes the proxy; deletes no file. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (or ran) killAll
        }
    }

    private void killAll() {
        for (NodeProcess n : nodes) {
            n.kill9();
        }
        if (link != null) {
            link.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    private void requireTwoZones() {
        if (edge == null) {
            throw new IllegalStateException("a single-server harness has no edge server or link");
        }
    }
}
