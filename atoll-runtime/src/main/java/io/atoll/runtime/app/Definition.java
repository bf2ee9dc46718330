package io.atoll.runtime.app;

import io.atoll.abi.Envelope;
import io.atoll.abi.ErrorCode;
import io.atoll.engine.CompiledModule;
import io.atoll.engine.GuestFault;
import io.atoll.engine.HostError;
import io.atoll.engine.InstanceOptions;
import io.atoll.engine.WasmEngine;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.atom.AtomContext;
import io.atoll.runtime.atom.AtomLog;
import io.atoll.runtime.atom.AtomState;
import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.manifest.PolicySpec;
import io.atoll.runtime.metrics.NodeMetrics;
import io.atoll.runtime.storage.AppKv;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One atom definition of a deployed application: its compiled module, its instances, and the
 * scheduling policy that picks (or creates) the instance for each event (docs/manifest.md).
 * Thread-safe: events arrive from the ingress, the API and other atoms at once.
 */
public final class Definition implements AtomContext {
    /** Bound on instances one reactive definition may have at once, against event floods. */
    static final int MAX_REACTIVE_INSTANCES = 10_000;

    private final Application app;
    private final AtomSpec spec;
    private final CompiledModule module;
    private final InstanceOptions options;
    private final NodeCore core;
    private final String fullName;
    private final List<Atom> instances = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedDeque<Atom> idle = new ConcurrentLinkedDeque<>();
    /** The members of {@link #idle}, so that offering an instance again does not scan the pool. */
    private final java.util.Set<Atom> pooled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextTurn = new AtomicInteger();
    private final AtomicLong nextInstance = new AtomicLong();
    private final NodeMetrics.AtomMeters meters;
    private volatile boolean undeployed;

    Definition(Application app, AtomSpec spec, CompiledModule module, InstanceOptions options, NodeCore core) {
        this.app = app;
        this.spec = spec;
        this.module = module;
        this.options = options;
        this.core = core;
        this.fullName = app.name() + "/" + spec.name();
        this.meters = core.metrics().atomMeters(app.name(), spec.name());
    }

    /**
     * Starts the daemon instances ({@code app/def/0..N-1}) unless the cluster places them
     * ({@link #runDaemon}); reactive instances start on events.
     */
    void start() {
        if (spec.kind() == AtomSpec.Kind.DAEMON && !core.cluster().placesDaemons()) {
            for (int i = 0; i < spec.instances(); i++) {
                launch(fullName + "/" + i);
            }
        }
    }

    /**
     * Starts the daemon instance {@code name} on this node, chosen by the cluster; returns false
     * if it already runs here (or the application is being undeployed).
     */
    public boolean runDaemon(String name) {
        return runDaemonFrom(name, null, spec.aliases());
    }

    // ---- migration: an instance arriving from another node ----

    /**
     * Takes in an instance captured on another node, paused: its name answers here (what arrives
     * waits in its mailbox behind the messages that travelled with it) but the cluster does not
     * know yet and nothing runs until {@link #activate}. {@code staged}: the instance from
     * {@link #stage} whose memory was pre-copied, or null.
     */
    public synchronized Atom adopt(String name, Atom.Captured captured, List<String> aliases, CompiledModule module,
            Atom staged) {
        if (undeployed) {
            throw new HostError(ErrorCode.ENOTFOUND, fullName + " is being undeployed");
        }
        if (!name.startsWith(fullName + "/") || core.directory().get(name) != null) {
            throw new IllegalStateException(name + " already runs here, or is not an instance of " + fullName);
        }
        Atom atom = staged != null ? staged : stage(name, module); // (another module: it was updated live)
        atom.prepare(captured); // restored now: resuming after the commit only starts its thread
        for (io.atoll.abi.Envelope e : captured.waiting()) {
            atom.mailbox().offer(e);
        }
        core.registerHere(atom, aliases); // listed among the instances only once it runs
        return atom;
    }

    /** The move committed: the cluster learns the name is here, and the instance continues. */
    public synchronized void activate(Atom atom, Atom.Captured captured, List<String> aliases) {
        instances.removeIf(a -> a.name().equals(atom.name())); // a stopped one from before
        instances.add(atom);
        core.announce(atom, aliases);
        atom.startFrom(captured);
    }

    /** The move did not happen: forgets an adopted instance that never ran. */
    public void dropAdopted(Atom atom) {
        instances.remove(atom);
        core.unregisterHere(atom);
    }

    /**
     * Starts the daemon instance {@code name} here from a checkpoint taken on another node (a
     * failover), or fresh if {@code checkpoint} is null; false if it already runs here.
     */
    public synchronized boolean runDaemonFrom(String name, Atom.Captured checkpoint, List<String> aliases) {
        if (undeployed || spec.kind() != AtomSpec.Kind.DAEMON || !name.startsWith(fullName + "/")) {
            return false;
        }
        for (Atom a : live()) {
            if (a.name().equals(name)) {
                return false;
            }
        }
        instances.removeIf(a -> a.name().equals(name)); // a stopped or failed one from before
        launch(name, aliases, checkpoint);
        return true;
    }

    /**
     * An atom that will arrive here by migration, not known to anyone yet: pre-copy writes its
     * memory into it, then {@link #adopt} takes it in. {@code module}: the one it runs (another
     * than the definition's if it was updated live).
     */
    public Atom stage(String name, CompiledModule module) {
        if (!name.startsWith(fullName + "/")) {
            throw new IllegalStateException(name + " is not an instance of " + fullName);
        }
        Atom atom = new Atom(name, this);
        if (module != this.module) {
            atom.useModule(module);
        }
        return atom;
    }

    /** Stops the instance {@code name} on this node (the cluster moved it elsewhere); false if it is not here. */
    public boolean stopInstance(String name) {
        for (Atom a : instances) {
            if (a.name().equals(name) && !a.isStopping()) {
                a.stop();
                return true;
            }
        }
        return false;
    }

    /**
     * Delivers an event here by policy and returns null, or says which node must take it; throws
     * {@link HostError} (EFULL, ENOTFOUND). A {@code forwarded} event was sent here by another
     * node: it is delivered here or refused, never sent on.
     */
    NodeCore.Hop route(Envelope e, boolean forwarded) {
        if (undeployed) {
            throw new HostError(ErrorCode.ENOTFOUND, fullName + " is being undeployed");
        }
        if (spec.kind() == AtomSpec.Kind.DAEMON) {
            Atom target = turn(live());
            if (target != null) {
                if (target.mailbox().offer(e)) {
                    return null;
                }
                if (target.movedTo() != null) { // left for another node a moment ago
                    return new NodeCore.Hop(target.movedTo(), target.name());
                }
                throw new HostError(ErrorCode.EFULL, "mailbox of " + target.name() + " is full");
            }
            // an instance arriving from another node answers here before it runs (its messages wait)
            for (String n : core.directory().lookup(app.name(), io.atoll.abi.Abi.LOOKUP_PREFIX, spec.name() + "/")) {
                Atom arriving = core.directory().get(n);
                if (arriving != null && arriving.mailbox().offer(e)) {
                    return null;
                }
            }
            NodeCore.Hop remote = forwarded ? null : core.remoteInstance(app.name(), fullName, nextTurn.getAndIncrement());
            if (remote != null) {
                return remote;
            }
            throw new HostError(ErrorCode.ENOTFOUND, "no running instance of " + fullName);
        }
        if (!forwarded && core.clustered()) {
            String host = core.cluster().reactiveHost(app.name(), spec).orElseThrow(() ->
                    new HostError(ErrorCode.ENOTFOUND, "no live node may run " + fullName + " (see its placement)"));
            if (!host.equals(core.nodeName())) {
                return new NodeCore.Hop(host, fullName);
            }
        }
        Atom target = pickReactive();
        if (target.mailbox().offer(e)) {
            return null;
        }
        if (target.movedTo() != null) { // the instance left for another node a moment ago
            return new NodeCore.Hop(target.movedTo(), target.name());
        }
        throw new HostError(ErrorCode.EFULL, "mailbox of " + target.name() + " is full");
    }

    private Atom pickReactive() {
        PolicySpec p = spec.policy();
        return switch (p.type()) {
            case ONE -> {
                synchronized (this) {
                    List<Atom> live = live();
                    yield live.isEmpty() ? newReactive() : live.get(0);
                }
            }
            case ROUND_ROBIN -> {
                synchronized (this) {
                    List<Atom> live = live();
                    yield live.size() < p.instances() ? newReactive() : turn(live);
                }
            }
            case ON_DEMAND -> newReactive();
            case ON_DEMAND_EXPIRE -> {
                for (Atom a; (a = idle.pollFirst()) != null; ) {
                    pooled.remove(a);
                    if (!a.isStopping() && a.movedTo() == null) {
                        yield a;
                    }
                }
                yield newReactive();
            }
        };
    }

    /**
     * A new reactive instance, named {@code app/def/rN} ({@code app/def/<node>-rN} in a cluster,
     * where every node keeps its own pool). Also used by {@code spawn}.
     */
    Atom newReactive() {
        if (instances.size() >= MAX_REACTIVE_INSTANCES) {
            throw new HostError(ErrorCode.EFULL, fullName + " has " + MAX_REACTIVE_INSTANCES + " instances already");
        }
        String prefix = core.clustered() ? core.nodeName() + "-r" : "r";
        return launch(fullName + "/" + prefix + nextInstance.incrementAndGet());
    }

    private Atom launch(String name) {
        return launch(name, spec.aliases(), null);
    }

    private Atom launch(String name, List<String> aliases, Atom.Captured from) {
        Atom atom = new Atom(name, this);
        core.register(atom, aliases); // throws if the name is taken here: then nothing is listed
        instances.add(atom);
        if (from == null) {
            atom.start();
        } else {
            atom.startFrom(from);
        }
        return atom;
    }

    private List<Atom> live() {
        List<Atom> out = new ArrayList<>();
        for (Atom a : instances) {
            AtomState s = a.state();
            if (s != AtomState.STOPPED && s != AtomState.FAILED && s != AtomState.MOVED && !a.isStopping()) {
                out.add(a);
            }
        }
        return out;
    }

    private Atom turn(List<Atom> live) {
        return live.isEmpty() ? null : live.get(Math.floorMod(nextTurn.getAndIncrement(), live.size()));
    }

    /** Retires on-demand-expire instances idle for longer than the policy allows. */
    void expireIdle(long nowNanos) {
        PolicySpec p = spec.policy();
        if (spec.kind() != AtomSpec.Kind.REACTIVE || p.type() != PolicySpec.Type.ON_DEMAND_EXPIRE || p.expireAfterMs() == 0) {
            return;
        }
        for (Atom a : idle) {
            if (nowNanos - a.lastActiveNanos() > p.expireAfterMs() * 1_000_000L && idle.remove(a)) {
                pooled.remove(a);
                a.stop();
            }
        }
    }

    synchronized void stopAll() { // with runDaemon: no daemon may start after this
        undeployed = true;
        instances.forEach(Atom::stop);
    }

    void awaitStopped(long millis) throws InterruptedException {
        for (Atom a : instances) {
            a.awaitStopped(millis);
        }
    }

    public List<Atom> instances() {
        return List.copyOf(instances);
    }

    public List<String> aliasesOf(Atom a) {
        return core.directory().aliasesOf(a.name());
    }

    public String fullName() {
        return fullName;
    }

    public Application application() {
        return app;
    }

    // ---- AtomContext: what each instance asks of its definition ----

    @Override
    public String app() {
        return app.name();
    }

    @Override
    public AtomSpec spec() {
        return spec;
    }

    @Override
    public CompiledModule module() {
        return module;
    }

    @Override
    public WasmEngine engine() {
        return core.engine();
    }

    @Override
    public InstanceOptions instanceOptions() {
        return options;
    }

    @Override
    public AppKv kv() {
        return app.kv();
    }

    @Override
    public AtomLog log() {
        return core.log();
    }

    @Override
    public int send(Atom from, String to, byte[] payload, int flags, long correlation) {
        return core.sendFrom(from, to, payload, flags, correlation);
    }

    @Override
    public void aliasAdd(Atom atom, String alias) {
        core.addAlias(atom, alias);
    }

    @Override
    public void aliasRemove(Atom atom, String alias) {
        if (!core.removeAlias(atom, alias)) {
            throw new HostError(ErrorCode.ENOTFOUND, atom.name() + " does not hold alias " + alias);
        }
    }

    @Override
    public List<String> lookup(int mode, String query) {
        return core.lookup(app.name(), mode, query);
    }

    @Override
    public String spawn(String definition) {
        Definition d = app.definition(definition.startsWith(app.name() + "/") ? definition.substring(app.name().length() + 1) : definition);
        if (d == null) {
            throw new HostError(ErrorCode.ENOTFOUND, "no definition " + definition + " in " + app.name());
        }
        if (d.spec.kind() != AtomSpec.Kind.REACTIVE) {
            throw new HostError(ErrorCode.EINVAL, definition + " is a daemon; only reactive atoms can be spawned");
        }
        return d.newReactive().name();
    }

    @Override
    public boolean afterEvent(Atom atom, long nanos) {
        meters.messages().increment();
        meters.handler().record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (spec.kind() != AtomSpec.Kind.REACTIVE) {
            return true;
        }
        PolicySpec p = spec.policy();
        return switch (p.type()) {
            case ON_DEMAND -> false;
            case ON_DEMAND_EXPIRE -> {
                if (p.expireAfterEvents() > 0 && atom.eventsHandled() >= p.expireAfterEvents()) {
                    yield false;
                }
                offerIdle(atom);
                yield true;
            }
            default -> true;
        };
    }

    /**
     * Sequential clients get their answer before the handler returns: an instance that has
     * answered goes back to the idle pool at once, or the next request would find no idle
     * instance and create another. Its mailbox holds a new event until the handler returns.
     */
    @Override
    public void answered(Atom atom) {
        PolicySpec p = spec.policy();
        if (spec.kind() == AtomSpec.Kind.REACTIVE && p.type() == PolicySpec.Type.ON_DEMAND_EXPIRE
                && (p.expireAfterEvents() == 0 || atom.eventsHandled() + 1 < p.expireAfterEvents())) {
            offerIdle(atom);
        }
    }

    /** Back to the idle pool (most recent first) if it has nothing waiting and is not there yet. */
    private void offerIdle(Atom atom) {
        if (atom.mailbox().isEmpty() && pooled.add(atom)) {
            idle.offerFirst(atom);
        }
    }

    @Override
    public void eventFailed(Envelope event, String reason) {
        core.eventFailed(event, reason);
    }

    @Override
    public void checkpointed(Atom atom, Atom.Captured state) {
        core.cluster().saveCheckpoint(atom.name(),
                new io.atoll.runtime.migration.Snapshot(atom.name(), fullName, module.hash(), state, aliasesOf(atom)).encode());
    }

    @Override
    public void faulted(Atom atom, GuestFault fault) {
        meters.faults().increment();
    }

    @Override
    public void restarting(Atom atom) {
        meters.restarts().increment();
    }

    @Override
    public void ended(Atom atom, AtomState finalState, String reason) {
        idle.remove(atom);
        pooled.remove(atom);
        core.unregister(atom);
        // Daemons stay listed (stopped or failed) so operators can see what happened; one that
        // moved to another node is listed there.
        if (spec.kind() == AtomSpec.Kind.REACTIVE || finalState == AtomState.MOVED) {
            instances.remove(atom);
        }
    }

    @Override
    public void escalate(Atom atom, GuestFault fault) {
        core.escalate(atom, fault);
    }
}
