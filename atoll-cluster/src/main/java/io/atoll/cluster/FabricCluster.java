package io.atoll.cluster;

import io.atoll.abi.AtollException;
import io.atoll.abi.Envelope;
import io.atoll.abi.ErrorCode;
import io.atoll.fabric.AppCatalog;
import io.atoll.fabric.ClusterDirectory;
import io.atoll.fabric.FabricOptions;
import io.atoll.fabric.Member;
import io.atoll.fabric.Membership;
import io.atoll.fabric.ModuleStore;
import io.atoll.fabric.NatsAppCatalog;
import io.atoll.fabric.NatsConnect;
import io.atoll.fabric.NatsDirectory;
import io.atoll.fabric.NatsMembership;
import io.atoll.fabric.NatsModuleStore;
import io.atoll.fabric.NatsTransport;
import io.atoll.fabric.NodeInfo;
import io.atoll.fabric.Transport;
import io.atoll.runtime.Node;
import io.atoll.runtime.cluster.AppRecord;
import io.atoll.runtime.cluster.Cluster;
import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.manifest.Manifest;
import io.nats.client.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node joined to a cluster: the runtime's {@link Cluster} seam implemented on the fabric. One
 * NATS connection carries everything: membership (heartbeats), the directory of names (JetStream
 * KV), remote delivery (request/reply, acknowledged), modules (object store) and the catalog of
 * applications (JetStream KV). Wiring and small decisions only; the pieces live in their own
 * classes ({@link NameMirror}, {@link DaemonPlacer}, {@link AppSync}, {@link Placement}).
 *
 * <p>Usage: {@code Node.start(config, n -> cluster = FabricCluster.join(n, options, downAfter))},
 * then {@link #start()}; {@link #close()} after the node is closed.
 */
public final class FabricCluster implements Cluster, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FabricCluster.class);

    /** How long a node waits for another node to acknowledge a message. */
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);
    /** A liveness probe's target and patience, before taking over a node's daemons. */
    static final String PROBE = "_probe";
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private final Node node;
    private final String self;
    private final Connection nc;
    private final Membership membership;
    private final ClusterDirectory directory;
    private final Transport transport;
    private final ModuleStore modules;
    private final AppCatalog catalog;
    private final NameMirror mirror;
    private final io.atoll.fabric.CheckpointStore checkpoints;
    /** Latest checkpoint per name not yet written (a newer one replaces an older one waiting). */
    private final java.util.Map<String, byte[]> pendingCheckpoints = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService checkpointWriter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "atoll-checkpoint-writer");
        t.setDaemon(true);
        return t;
    });
    private final DaemonPlacer placer;
    final AppSync apps; // package-private for tests
    /** How long a deploy waits for this node to apply catalog changes still on their way. */
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "atoll-cluster");
        t.setDaemon(true);
        return t;
    });
    /** Live nodes, refreshed on every membership change and every second: read on every request. */
    private volatile List<NodeInfo> up = List.of();
    private boolean closed;

    private FabricCluster(Node node, Connection nc, Membership membership) {
        this.node = node;
        this.self = node.config().name();
        this.nc = nc;
        this.membership = membership;
        this.directory = new NatsDirectory(nc);
        this.transport = new NatsTransport(nc);
        this.modules = new NatsModuleStore(nc);
        this.catalog = new NatsAppCatalog(nc);
        this.checkpoints = new io.atoll.fabric.NatsCheckpointStore(nc);
        this.mirror = new NameMirror(directory, self, name -> DaemonPlacer.failedHere(node.core(), name));
        this.placer = new DaemonPlacer(node.core(), directory, mirror, self, () -> up, this::answers, this::lastCheckpoint);
        this.apps = new AppSync(node, catalog, modules, this::placeSoon);
    }

    /**
     * Joins the fabric: connects, claims the node's name (refused while a live node holds it),
     * opens the shared directory and catalog, and serves messages addressed to this node.
     * Throws {@link AtollException} with a hint if the fabric cannot be reached.
     */
    public static FabricCluster join(Node node, FabricOptions fabric, Duration downAfter) {
        Duration interval = NatsMembership.DEFAULT_INTERVAL.compareTo(downAfter) < 0
                ? NatsMembership.DEFAULT_INTERVAL : downAfter.dividedBy(3);
        Connection nc = NatsConnect.open(fabric, "atoll-" + node.config().name());
        FabricCluster cluster = null;
        Membership joined = null;
        try {
            Membership m = new NatsMembership(nc, interval, downAfter);
            m.join(info(node));
            joined = m;
            cluster = new FabricCluster(node, nc, m);
            FabricCluster c = cluster;
            c.refreshUp();
            c.transport.serve(c.self, new Transport.Inbound() {
                @Override
                public int deliver(String target, byte[] message) {
                    return c.deliverForwarded(target, message).join();
                }

                @Override
                public CompletableFuture<Integer> deliverLater(String target, byte[] message) {
                    return c.deliverForwarded(target, message);
                }
            });
            c.transport.serveCalls(c.self, (op, body) -> node.core().migrator().handle(op, body));
            m.addListener(e -> {
                if (e.kind() == io.atoll.fabric.MemberEvent.Kind.UP && !e.member().name().equals(c.self)) {
                    c.resyncSoon(); // a node back from a cut link: our watches may lag (docs/zones.md)
                }
                c.placeSoon();
            });
            node.setClusterView(() -> c.membership.members().stream().map(FabricCluster::asMap).toList());
            return c;
        } catch (RuntimeException e) {
            if (cluster != null) {
                cluster.close(); // leaves: the others must not count on this node
            } else {
                if (joined != null) {
                    joined.leave(); // e.g. the directory did not open: others must not count on this node
                }
                closeQuietly(nc);
            }
            throw e;
        }
    }

    /** Once the node has attached this cluster: follow the catalog and start placing daemons. */
    public void start() {
        apps.start();
        timer.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private void tick() {
        try {
            membership.update(info(node));
        } catch (RuntimeException e) {
            LOG.debug("cannot announce this node's figures: {}", e.getMessage());
        }
        place();
    }

    private void placeSoon() {
        try {
            timer.execute(this::place);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private volatile long lastResync;

    /** Re-reads the directory and the catalog, at most once a second, before the next placement. */
    private void resyncSoon() {
        try {
            timer.execute(() -> {
                long now = System.nanoTime();
                if (now - lastResync > 1_000_000_000L) {
                    lastResync = now;
                    directory.resync();
                    catalog.resync();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void place() {
        refreshUp();
        placer.pass();
    }

    private void refreshUp() {
        List<NodeInfo> live = new ArrayList<>();
        for (Member m : membership.members()) {
            if (m.state() == Member.State.UP) {
                live.add(m.info());
            }
        }
        up = List.copyOf(live);
    }

    /** Probes a node over the transport: any answer (even "no such name") means it is alive. */
    private boolean answers(String node) {
        int code = transport.send(node, PROBE, new byte[0], PROBE_TIMEOUT).join();
        return code != ErrorCode.EUNREACHABLE.code();
    }

    private static final CompletableFuture<Integer> ZERO = CompletableFuture.completedFuture(0);

    private CompletableFuture<Integer> deliverForwarded(String target, byte[] message) {
        if (target.equals(PROBE)) {
            return ZERO;
        }
        Envelope e;
        try {
            e = Envelope.decode(message);
        } catch (AtollException bad) {
            return CompletableFuture.completedFuture(ErrorCode.EINVAL.code());
        }
        return node.core().deliverForwarded(target, e);
    }

    // ---- Cluster: names ----

    @Override
    public String node() {
        return self;
    }

    @Override
    public void announced(String name, List<String> aliases) {
        mirror.announced(name, aliases);
    }

    @Override
    public void withdrawn(String name) {
        mirror.withdrawn(name);
    }

    @Override
    public void aliasAdded(String name, String alias) {
        mirror.aliasAdded(name, alias);
    }

    @Override
    public void aliasRemoved(String name, String alias) {
        mirror.aliasRemoved(name, alias);
    }

    @Override
    public List<String> lookup(String app, int mode, String query) {
        return directory.lookup(app, mode, query);
    }

    @Override
    public List<String> aliasMembers(String app, String alias) {
        return directory.aliasMembers(app, alias);
    }

    @Override
    public Optional<String> nodeOf(String name) {
        return directory.nodeOf(name);
    }

    @Override
    public Map<String, String> metadataOf(String name) {
        return directory.metadataOf(name).orElse(Map.of());
    }

    @Override
    public boolean isUp(String node) {
        for (NodeInfo n : up) {
            if (n.name().equals(node)) {
                return true;
            }
        }
        return false;
    }

    // ---- Cluster: migration ----

    /** How long a migration step may take on the other node (restoring compiles nothing: modules are cached). */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public boolean moveName(String name, String from, String to) {
        return directory.takeOver(name, from, to, NameMirror.RUNNING);
    }

    @Override
    public Optional<String> ownerInStore(String name) {
        return directory.ownerInStore(name);
    }

    @Override
    public CompletableFuture<byte[]> call(String node, String op, byte[] body) {
        return transport.call(node, op, body, CALL_TIMEOUT);
    }

    @Override
    public void saveCheckpoint(String name, byte[] snapshot) {
        if (pendingCheckpoints.put(name, snapshot) == null) {
            try {
                checkpointWriter.execute(() -> {
                    byte[] latest = pendingCheckpoints.remove(name);
                    if (latest != null) {
                        try {
                            checkpoints.put(name, latest);
                        } catch (RuntimeException e) {
                            LOG.warn("checkpoint of {} not stored: {}", name, e.getMessage());
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                pendingCheckpoints.remove(name);
            }
        }
    }

    /** The last stored checkpoint of a daemon instance, or empty (none, or the store unreachable). */
    private Optional<byte[]> lastCheckpoint(String name) {
        try {
            return checkpoints.get(name);
        } catch (RuntimeException e) {
            LOG.warn("checkpoint of {} not readable: {}; starting it fresh", name, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void shareModule(String sha256Hex, byte[] bytes) {
        modules.put(sha256Hex, bytes);
    }

    @Override
    public java.util.Optional<byte[]> fetchModule(String sha256Hex) {
        return modules.get(sha256Hex);
    }

    @Override
    public void putBlob(String sha256Hex, byte[] bytes) {
        modules.put(sha256Hex, bytes);
    }

    @Override
    public byte[] takeBlob(String sha256Hex) {
        byte[] bytes = modules.get(sha256Hex).orElseThrow(() -> new AtollException(
                "snapshot sha256:" + sha256Hex + " is not in the fabric's object store", null));
        try {
            modules.delete(sha256Hex);
        } catch (RuntimeException e) {
            LOG.warn("snapshot sha256:{} not removed from the object store: {}", sha256Hex, e.getMessage());
        }
        return bytes;
    }

    // ---- Cluster: delivery and placement ----

    @Override
    public CompletableFuture<Integer> forward(String node, String target, Envelope envelope) {
        return transport.send(node, target, envelope.encode(), FORWARD_TIMEOUT);
    }

    @Override
    public boolean placesDaemons() {
        return true;
    }

    @Override
    public Optional<String> reactiveHost(String app, AtomSpec spec) {
        return Placement.hostFor(spec.placement(), up, self);
    }

    @Override
    public void admit(Manifest manifest) {
        if (node.core().app(manifest.app()) != null) {
            // Maybe undeployed through another node a moment ago and not yet here: apply what the
            // catalog says before the local deploy calls the name taken.
            apps.catchUp(CATCH_UP_TIMEOUT);
        }
        refreshUp();
        for (AtomSpec spec : manifest.atoms()) {
            Optional<String> refusal = Placement.refusal(manifest.app(), spec, up);
            if (refusal.isPresent()) {
                throw new AtollException(refusal.get(), "compare the atom's placement with the nodes: atoll nodes");
            }
        }
    }

    @Override
    public void deployed(AppRecord record) {
        for (String ref : record.modules().values()) {
            String hash = ref.substring("sha256:".length());
            modules.put(hash, node.readModule(hash));
        }
        if (!catalog.create(record.app(), record.toJson())) {
            throw new io.atoll.runtime.app.NodeCore.AppExistsException(record.app()); // by another node, meanwhile
        }
        placeSoon();
    }

    @Override
    public void undeployed(String app) {
        catalog.delete(app);
        try {
            for (String name : checkpoints.names(app + "/")) {
                checkpoints.delete(name);
            }
        } catch (RuntimeException e) {
            LOG.warn("checkpoints of {} not removed: {}", app, e.getMessage());
        }
    }

    // ---- membership ----

    static NodeInfo info(Node node) {
        Map<String, Object> i = node.info();
        Runtime rt = Runtime.getRuntime();
        return new NodeInfo(node.config().name(), node.config().zone(), node.config().tags(), rt.availableProcessors(),
                rt.maxMemory(), rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()), ((Number) i.get("atoms")).intValue(),
                Node.load(), node.baseUrl(), Instant.now().minusMillis(((Number) i.get("uptimeMs")).longValue()));
    }

    private static Map<String, Object> asMap(Member member) {
        NodeInfo n = member.info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("state", member.state().name().toLowerCase(Locale.ROOT));
        m.put("zone", n.zone());
        m.put("tags", n.tags());
        m.put("atoms", n.atoms());
        m.put("load", n.load());
        m.put("cores", n.cores());
        m.put("memoryBytes", n.memoryBytes());
        m.put("freeMemoryBytes", n.freeMemoryBytes());
        m.put("address", n.address());
        m.put("lastSeen", member.lastSeen().toString());
        return m;
    }

    public List<Member> members() {
        return membership.members();
    }

    /**
     * Leaves the cluster: writes the names still queued, tells the others this node is gone (they
     * see it down at once), and disconnects. Call after the node is closed, so its atoms' names
     * are withdrawn first.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        apps.close();
        mirror.close();
        checkpointWriter.shutdown();
        try {
            checkpointWriter.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
        membership.leave();
        membership.close();
        catalog.close();
        modules.close();
        directory.close();
        closeQuietly(nc);
    }

    /**
     * For tests that simulate a crash in one JVM: drops the fabric connection at once, without
     * leaving or withdrawing names, so the others see this node go silent.
     */
    void crashForTest() {
        synchronized (this) {
            closed = true;
        }
        timer.shutdownNow();
        closeQuietly(nc);
    }

    private static void closeQuietly(Connection nc) {
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
