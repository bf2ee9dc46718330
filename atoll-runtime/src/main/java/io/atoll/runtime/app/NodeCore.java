package io.atoll.runtime.app;

import io.atoll.abi.Abi;
import io.atoll.abi.AtollException;
import io.atoll.abi.Envelope;
import io.atoll.abi.ErrorCode;
import io.atoll.engine.CompiledModule;
import io.atoll.engine.GuestFault;
import io.atoll.engine.HostError;
import io.atoll.engine.InstanceOptions;
import io.atoll.engine.ModuleException;
import io.atoll.engine.WasmEngine;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.atom.AtomLog;
import io.atoll.runtime.cluster.Cluster;
import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.manifest.Manifest;
import io.atoll.runtime.messaging.Replies;
import io.atoll.runtime.metrics.NodeMetrics;
import io.atoll.runtime.naming.Directory;
import io.atoll.runtime.storage.AppKv;
import io.atoll.runtime.storage.KvStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node without its HTTP front: deployed applications, the directory of names, and message
 * delivery ("deliver this to that name"), which asks the directory "where does that name live".
 * Thread-safe.
 */
public final class NodeCore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCore.class);

    private final WasmEngine engine;
    private final Path filesRoot;
    private final KvStore store;
    private final Directory<Atom> directory = new Directory<>();
    private final Replies replies;
    private final AtomLog log = new AtomLog();
    private final NodeMetrics metrics;
    private final Map<String, Application> apps = new ConcurrentHashMap<>();
    private final String nodeName;
    private volatile Cluster cluster = Cluster.ALONE;
    private final io.atoll.runtime.migration.Migrator migrator = new io.atoll.runtime.migration.Migrator(this);
    private final BiConsumer<Atom, GuestFault> onEscalate;
    private final Thread ticker;
    private volatile boolean closed;

    public NodeCore(String nodeName, WasmEngine engine, KvStore store, Path filesRoot, BiConsumer<Atom, GuestFault> onEscalate) {
        this.nodeName = nodeName;
        this.engine = engine;
        this.filesRoot = filesRoot;
        this.store = store;
        this.replies = new Replies(nodeName);
        this.onEscalate = onEscalate;
        this.metrics = new NodeMetrics(() -> directory.all().size());
        this.ticker = Thread.ofPlatform().name("atoll-watchdog").daemon().start(this::tickLoop);
    }

    // ---- deployment ----

    /**
     * Deploys an application: loads and checks every module first, then starts the daemons. All
     * or nothing: a bad module deploys none of the application.
     */
    public Application deploy(Manifest manifest, ModuleSource modules) {
        if (apps.containsKey(manifest.app())) {
            throw new AppExistsException(manifest.app());
        }
        List<CompiledModule> compiled = new ArrayList<>();
        for (AtomSpec spec : manifest.atoms()) {
            try {
                CompiledModule m = engine.load(modules.load(spec.module()), spec.engine(), spec.safePoints());
                engine.check(m, options(manifest.app(), spec));
                compiled.add(m);
            } catch (AtollException e) {
                throw new ModuleException("atom '" + spec.name() + "' (" + spec.module() + "): " + e.getMessage(), e.hint(), e);
            }
        }
        Application app = new Application(manifest, new AppKv(store, manifest.app()));
        for (int i = 0; i < compiled.size(); i++) {
            AtomSpec spec = manifest.atoms().get(i);
            app.add(new Definition(app, spec, compiled.get(i), options(manifest.app(), spec), this));
        }
        if (apps.putIfAbsent(manifest.app(), app) != null) {
            throw new AppExistsException(manifest.app());
        }
        app.definitions().forEach(Definition::start);
        LOG.info("deployed {} ({} atoms)", manifest.app(), manifest.atoms().size());
        return app;
    }

    /**
     * Instance options of a definition. A granted directory ({@code files: [/data]}) is backed by
     * {@code <data dir>/files/<app>/data} on the node: applications cannot reach each other's
     * files, and a manifest cannot name an arbitrary host path.
     */
    private InstanceOptions options(String app, AtomSpec spec) {
        Map<String, Path> dirs = new java.util.LinkedHashMap<>();
        for (String guest : spec.files()) {
            Path host = filesRoot.resolve(app).resolve(guest.substring(1).replace('/', '_'));
            try {
                Files.createDirectories(host);
            } catch (java.io.IOException e) {
                throw new AtollException("cannot create " + host + " for " + guest + ": " + e.getMessage());
            }
            dirs.put(guest, host);
        }
        return new InstanceOptions(spec.limits().memoryBytes(), spec.granted("wasi"), Map.copyOf(dirs));
    }

    /** Stops every atom of the application and forgets it; its stored data stays. */
    public boolean undeploy(String name) {
        Application app = apps.remove(name);
        if (app == null) {
            return false;
        }
        app.definitions().forEach(Definition::stopAll);
        try {
            for (Definition d : app.definitions()) {
                d.awaitStopped(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Definition d : app.definitions()) {
            for (Atom a : d.instances()) {
                if (a.state() == io.atoll.runtime.atom.AtomState.FAILED) {
                    cluster.withdrawn(a.name()); // kept in the cluster as failed until now
                }
            }
        }
        LOG.info("undeployed {}", name);
        return true;
    }

    public Application app(String name) {
        return apps.get(name);
    }

    public List<Application> apps() {
        return apps.values().stream().sorted(java.util.Comparator.comparing(Application::name)).toList();
    }

    public List<Atom> atoms() {
        List<Atom> out = new ArrayList<>();
        for (Application a : apps()) {
            for (Definition d : a.definitions()) {
                out.addAll(d.instances());
            }
        }
        out.sort(java.util.Comparator.comparing(Atom::name));
        return out;
    }

    /** An atom of another node as this node's copy of the directory knows it. */
    public record RemoteAtom(String name, String node, String state) {}

    /** The atoms of the other nodes, sorted by name (none when alone). */
    public List<RemoteAtom> remoteAtoms() {
        List<RemoteAtom> out = new ArrayList<>();
        if (!clustered()) {
            return out;
        }
        for (Application a : apps()) {
            for (String name : cluster.lookup(a.name(), Abi.LOOKUP_PREFIX, "")) {
                String node = cluster.nodeOf(name).orElse(nodeName);
                if (!node.equals(nodeName)) {
                    out.add(new RemoteAtom(name, node, cluster.metadataOf(name).getOrDefault("state", "running")));
                }
            }
        }
        return out;
    }

    public Atom atom(String name) {
        Atom live = directory.get(name);
        if (live != null) {
            return live;
        }
        for (Atom a : atoms()) { // stopped and failed daemons stay listed but leave the directory
            if (a.name().equals(name)) {
                return a;
            }
        }
        return null;
    }

    // ---- names ----

    /** Gives a local atom its name and its starting aliases, here and in the cluster. */
    void register(Atom atom, List<String> aliases) {
        registerHere(atom, aliases);
        cluster.announced(atom.name(), aliases);
    }

    /** Only in this node's directory: an atom arriving by migration, not yet committed. */
    void registerHere(Atom atom, List<String> aliases) {
        moved.remove(atom.name()); // it is (back) here: no forwarding
        directory.register(atom.name(), atom);
        for (String alias : aliases) {
            directory.addAlias(atom.name(), alias);
        }
    }

    void announce(Atom atom, List<String> aliases) {
        cluster.announced(atom.name(), aliases);
    }

    /** Forwarding pointers of atoms that moved away: name -> node, kept a while for late senders. */
    private final Map<String, Moved> moved = new ConcurrentHashMap<>();

    private record Moved(String node, long untilNanos) {}

    static final long FORWARD_FOR_NANOS = 120_000_000_000L;

    /** An atom moved to {@code node}: what still arrives here for its name is forwarded there. */
    public void movedAway(String name, String node) {
        moved.put(name, new Moved(node, System.nanoTime() + FORWARD_FOR_NANOS));
    }

    /** The moved atom leaves this node's names at once (the forwarding pointer answers for it). */
    public void left(Atom atom) {
        unregisterHere(atom);
    }

    /** Where an atom that was here moved to, while this node still forwards for it; else null. */
    public String movedTo(String name) {
        Moved m = moved.get(name);
        if (m == null) {
            return null;
        }
        if (System.nanoTime() - m.untilNanos() > 0) {
            moved.remove(name, m);
            return null;
        }
        return m.node();
    }

    void unregister(Atom atom) {
        if (directory.get(atom.name()) == atom) {
            directory.unregister(atom.name());
            if (atom.movedTo() == null) { // a moved atom's name belongs to its new node now
                cluster.withdrawn(atom.name());
            }
        }
    }

    void unregisterHere(Atom atom) {
        if (directory.get(atom.name()) == atom) {
            directory.unregister(atom.name());
        }
    }

    void addAlias(Atom atom, String alias) {
        directory.addAlias(atom.name(), alias);
        cluster.aliasAdded(atom.name(), alias);
    }

    boolean removeAlias(Atom atom, String alias) {
        if (!directory.removeAlias(atom.name(), alias)) {
            return false;
        }
        cluster.aliasRemoved(atom.name(), alias);
        return true;
    }

    /** The migrations this node takes part in. */
    /** Module bytes by hex SHA-256, from this node's store or the cluster's (set by the node). */
    private volatile java.util.function.Function<String, byte[]> moduleBytes = hash -> {
        throw new AtollException("module sha256:" + hash + " is not on this node", null);
    };

    public void moduleBytes(java.util.function.Function<String, byte[]> source) {
        this.moduleBytes = source;
    }

    /**
     * A module by its hash ("sha256:" optional), loaded and checked for a definition's settings:
     * the version an atom was updated to. Its bytes are taken as they are (never instrumented again).
     */
    public CompiledModule loadModule(String hash, Definition d) {
        String hex = hash.startsWith("sha256:") ? hash.substring("sha256:".length()) : hash;
        CompiledModule m = engine.load(moduleBytes.apply(hex), d.spec().engine());
        engine.check(m, d.instanceOptions());
        return m;
    }

    private final io.atoll.runtime.migration.LiveUpdate updater = new io.atoll.runtime.migration.LiveUpdate(this);

    public io.atoll.runtime.migration.LiveUpdate updater() {
        return updater;
    }

    public io.atoll.runtime.migration.Migrator migrator() {
        return migrator;
    }

    /** The local names: this node's atoms only. */
    public Directory<Atom> directory() {
        return directory;
    }

    /**
     * A look-up from inside application {@code app}, over the whole cluster: this node's names
     * from its own directory (always current), the others' from the cluster's copy.
     */
    public List<String> lookup(String app, int mode, String query) {
        List<String> local = directory.lookup(app, mode, query);
        if (cluster == Cluster.ALONE) {
            return local;
        }
        try {
            return merge(local, cluster.lookup(app, mode, query));
        } catch (IllegalArgumentException e) {
            throw new HostError(ErrorCode.EINVAL, e.getMessage());
        }
    }

    List<String> aliasMembers(String app, String alias) {
        List<String> local = directory.aliasMembers(app, alias);
        return cluster == Cluster.ALONE ? local : merge(local, cluster.aliasMembers(app, alias));
    }

    /** Local names plus the cluster's names of other nodes (its copy of ours may lag). */
    private List<String> merge(List<String> local, List<String> clusterWide) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>(local);
        for (String name : clusterWide) {
            if (!out.contains(name) && !cluster.nodeOf(name).orElse(nodeName).equals(nodeName)) {
                out.add(name);
            }
        }
        return List.copyOf(out);
    }

    // ---- the cluster ----

    /** Joins this node to a cluster; before any application is deployed. */
    public void attach(Cluster cluster) {
        this.cluster = cluster;
    }

    public Cluster cluster() {
        return cluster;
    }

    public String nodeName() {
        return nodeName;
    }

    boolean clustered() {
        return cluster != Cluster.ALONE;
    }

    // ---- delivery ----

    /** Where an envelope must travel when its receiver is on another node. */
    record Hop(String node, String target) {}

    /** A send from inside an atom (docs/abi.md §2): names are relative to its application. */
    int sendFrom(Atom from, String to, byte[] payload, int flags, long correlation) {
        if ((flags & ~Abi.KNOWN_FLAGS) != 0) {
            throw new HostError(ErrorCode.EINVAL, "unknown send flags 0x" + Integer.toHexString(flags));
        }
        if (payload.length > from.context().spec().limits().maxMessageBytes()) {
            throw new HostError(ErrorCode.ETOOBIG, payload.length + " bytes");
        }
        Envelope e = new Envelope(Abi.KIND_MESSAGE, flags, correlation, from.name(), from.name(), payload);
        if (Replies.isReply(to)) {
            return deliver(to, e);
        }
        String app = from.context().app();
        if ((flags & Abi.FLAG_ALIAS) != 0) {
            return deliverAll(app, aliasMembers(app, to), e);
        }
        if ((flags & Abi.FLAG_PATTERN) != 0) {
            return deliverAll(app, lookup(app, Abi.LOOKUP_REGEX, to), e);
        }
        String scope = app + "/";
        return deliver(to.startsWith(scope) ? to : scope + to, e);
    }

    private int deliverAll(String app, List<String> names, Envelope e) {
        int n = 0;
        for (String name : names) {
            try {
                n += deliver(name, e);
            } catch (HostError ignored) {
                // one-to-many is best effort per receiver: a full or vanished one does not stop the rest
            }
        }
        if (n == 0) {
            throw new HostError(ErrorCode.ENOTFOUND, "no receiver");
        }
        return n;
    }

    /**
     * Delivers to a full name: an instance ({@code app/def/i}), a definition ({@code app/def},
     * routed by its policy) or a reply address, on this node or another. Returns 1 or throws
     * {@link HostError}. Waits for the other node's acknowledgement when the receiver is remote,
     * so it must not be called on an event loop (use {@link #request} there).
     */
    public int deliver(String name, Envelope e) {
        Hop hop = deliverHereOrHop(name, e, false);
        return hop == null ? 1 : settle(hop, cluster.forward(hop.node(), hop.target(), e).join());
    }

    /**
     * A message another node forwarded here: delivered on this node or refused with an error code,
     * never forwarded again (the sender chose this node from its copy of the directory).
     */
    public CompletableFuture<Integer> deliverForwarded(String target, Envelope e) {
        try {
            Hop hop = deliverHereOrHop(target, e, true);
            if (hop == null) {
                return ONE;
            }
            // only an atom that moved away hops once more; the sender waits for the new node's answer,
            // so its FIFO order holds across the move
            return cluster.forward(hop.node(), hop.target(), e);
        } catch (HostError x) {
            return CompletableFuture.completedFuture(x.code().code());
        }
    }

    private static final CompletableFuture<Integer> ONE = CompletableFuture.completedFuture(1);

    private static int settle(Hop hop, int answer) {
        if (answer < 0) {
            ErrorCode code = ErrorCode.of(answer);
            throw new HostError(code, hop.target() + " on node " + hop.node() + ": " + code.meaning() + " (" + code.name() + ")");
        }
        return answer;
    }

    /** Delivers here and returns null, or says where the envelope must go; throws {@link HostError}. */
    private Hop deliverHereOrHop(String name, Envelope e, boolean forwarded) {
        Atom atom = directory.get(name);
        if (atom != null) {
            if (!atom.mailbox().offer(e)) {
                String to = atom.movedTo();
                if (to != null) {
                    return new Hop(to, name); // moving away right now: the one hop a forwarded message may take
                }
                throw new HostError(ErrorCode.EFULL, "mailbox of " + name + " is full");
            }
            return null;
        }
        String to = movedTo(name);
        if (to != null) {
            return new Hop(to, name);
        }
        if (Replies.isReply(name)) {
            String owner = Replies.nodeOf(name);
            if (!clustered() || owner.equals(nodeName)) {
                answer(name, e);
                return null;
            }
            if (!forwarded) {
                return new Hop(owner, name);
            }
        }
        int slash = name.indexOf('/');
        if (slash > 0 && name.indexOf('/', slash + 1) < 0) { // app/def: routed by the definition's policy
            Application app = apps.get(name.substring(0, slash));
            Definition d = app == null ? null : app.definition(name.substring(slash + 1));
            if (d != null) {
                return d.route(e, forwarded);
            }
        }
        if (!forwarded && clustered()) {
            String node = cluster.nodeOf(name).orElseGet(() -> nodeInName(name));
            if (!node.equals(nodeName)) {
                return new Hop(node, name);
            }
        }
        throw new HostError(ErrorCode.ENOTFOUND, "no atom named " + name);
    }

    /**
     * The node named in an instance name made in a cluster ({@code app/def/<node>-rN},
     * {@code app/def/<node>-k}), if it is up: a reply to an instance created a moment ago finds
     * it before the directory's copy has its name. This node's name otherwise.
     */
    private String nodeInName(String name) {
        String last = name.substring(name.lastIndexOf('/') + 1);
        for (int dash = last.lastIndexOf('-'); dash > 0; dash = last.lastIndexOf('-', dash - 1)) {
            String candidate = last.substring(0, dash);
            if (!candidate.equals(nodeName) && cluster.isUp(candidate)) {
                return candidate;
            }
        }
        return nodeName;
    }

    /** Completes (or fails, for a failure notice from another node) an exchange open on this node. */
    private void answer(String replyTo, Envelope e) {
        if (e.kind() == Replies.KIND_FAILURE) {
            String reason = new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8);
            if (replies.fail(replyTo, new AtomFailedException(reason, (e.flags() & 1) != 0))) {
                return;
            }
        } else if (replies.complete(replyTo, e)) {
            return;
        }
        throw new HostError(ErrorCode.ENOTFOUND, "nobody waits on " + replyTo);
    }

    /** An instance of a daemon definition on another node, in turn; null if there is none. */
    Hop remoteInstance(String app, String definitionName, int turn) {
        if (!clustered()) {
            return null;
        }
        List<String> names = cluster.lookup(app, Abi.LOOKUP_PREFIX, definitionName + "/");
        List<Hop> remote = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        for (String n : names) {
            String node = cluster.nodeOf(n).orElse(nodeName);
            String moved = node.equals(nodeName) && directory.get(n) == null ? movedTo(n) : null;
            if (moved != null) {
                node = moved; // moved away; the directory's copy has not caught up yet
            }
            if (!node.equals(nodeName) && !"failed".equals(cluster.metadataOf(n).get("state"))) {
                if (cluster.isUp(node)) {
                    remote.add(new Hop(node, n));
                } else {
                    unreachable.add(node);
                }
            }
        }
        if (remote.isEmpty() && !unreachable.isEmpty()) {
            throw new HostError(ErrorCode.EUNREACHABLE, "the instances of " + definitionName + " run on node(s) "
                    + String.join(", ", new java.util.TreeSet<>(unreachable)) + ", which cannot be reached (EUNREACHABLE)");
        }
        return remote.isEmpty() ? null : remote.get(Math.floorMod(turn, remote.size()));
    }

    /**
     * An open request: where the atom must answer, the answer (or its failure) to come, and
     * whether the receiver took the request (at once here; when the other node acknowledged it
     * otherwise; failed with a {@link HostError} if it refused or could not be reached).
     */
    public record Exchange(String replyTo, CompletableFuture<Envelope> answer, CompletableFuture<Void> taken) {}

    private static final CompletableFuture<Void> TAKEN = CompletableFuture.completedFuture(null);

    /**
     * Sends a request from outside the atoms (ingress, API) and opens its reply address. Never
     * blocks. The answer completes exceptionally with {@link AtomFailedException} if the atom
     * fails, with a {@link HostError} if another node refused it or could not be reached, or with a
     * TimeoutException after {@code timeoutMs}; the exchange is forgotten then by itself.
     *
     * @throws HostError if the request cannot be delivered on this node (nothing stays open)
     */
    public Exchange request(String target, int kind, String sender, byte[] payload, long timeoutMs) {
        CompletableFuture<Envelope> answer = new CompletableFuture<>();
        String replyTo = replies.open(answer, timeoutMs);
        Envelope e = new Envelope(kind, 0, 0, sender, replyTo, payload);
        Hop hop;
        try {
            hop = deliverHereOrHop(target, e, false);
        } catch (HostError x) {
            replies.close(replyTo);
            throw x;
        }
        if (hop == null) {
            return new Exchange(replyTo, answer, TAKEN);
        }
        CompletableFuture<Void> taken = cluster.forward(hop.node(), hop.target(), e).thenApply(code -> {
            settle(hop, code);
            return null;
        });
        taken.whenComplete((v, err) -> {
            if (err != null) {
                replies.fail(replyTo, err instanceof java.util.concurrent.CompletionException c ? c.getCause() : err);
            }
        });
        return new Exchange(replyTo, answer, taken);
    }

    void eventFailed(Envelope event, String reason) {
        String replyTo = event.replyTo();
        if (!Replies.isReply(replyTo)) {
            return;
        }
        boolean timedOut = reason.startsWith("timeout");
        String owner = Replies.nodeOf(replyTo);
        if (!clustered() || owner.equals(nodeName)) {
            replies.fail(replyTo, new AtomFailedException(reason, timedOut));
            return;
        }
        Envelope notice = new Envelope(Replies.KIND_FAILURE, timedOut ? 1 : 0, 0, nodeName, "",
                reason.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        cluster.forward(owner, replyTo, notice).thenAccept(code -> {
            if (code < 0) {
                LOG.debug("the failure of a request from node {} could not be reported: {}", owner, ErrorCode.of(code));
            }
        });
    }

    void escalate(Atom atom, GuestFault fault) {
        LOG.error("atom {} escalated its fault ({}): stopping the node", atom.name(), fault.getMessage());
        onEscalate.accept(atom, fault);
    }

    public Replies replies() {
        return replies;
    }

    public AtomLog log() {
        return log;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    WasmEngine engine() {
        return engine;
    }

    /** Enforces run-time limits, wakes idle atoms due to hibernate or checkpoint, expires idle instances. */
    private void tickLoop() {
        long lastExpiry = 0;
        while (!closed) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            replies.expire(now);
            for (Application app : apps.values()) {
                for (Definition d : app.definitions()) {
                    for (Atom a : d.instances()) {
                        a.tick(now);
                    }
                    if (now - lastExpiry > 200_000_000L) {
                        d.expireIdle(now);
                    }
                }
            }
            if (now - lastExpiry > 200_000_000L) {
                lastExpiry = now;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        ticker.interrupt();
        for (String app : List.copyOf(apps.keySet())) {
            undeploy(app);
        }
    }

    /** Deploying an application whose name is taken. */
    public static final class AppExistsException extends AtollException {
        public AppExistsException(String app) {
            super("application '" + app + "' is already deployed", "undeploy it first: atoll undeploy " + app);
        }
    }

}
