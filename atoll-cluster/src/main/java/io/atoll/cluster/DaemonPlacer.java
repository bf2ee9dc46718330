package io.atoll.cluster;

import io.atoll.abi.Abi;
import io.atoll.abi.AtollException;
import io.atoll.fabric.ClusterDirectory;
import io.atoll.fabric.NodeInfo;
import io.atoll.runtime.app.Application;
import io.atoll.runtime.app.Definition;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.atom.AtomState;
import io.atoll.runtime.manifest.AtomSpec;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, on every node and from the same facts, which daemon instances run here; one pass per
 * second and after every membership change. The directory is the arbiter: an instance
 * ({@code app/def/k}) runs on the node that owns its name, and ownership changes only by
 * compare-and-set, so two nodes never both win.
 *
 * <ul>
 *   <li>A fresh instance (no owner) is claimed by its rendezvous owner among the live eligible
 *       nodes ({@link Placement#owner}), which then starts it.
 *   <li>An instance whose owner is down (membership says so, and a direct probe of the node gets no
 *       answer: missed heartbeats alone do not move a live node's atoms) is taken over the same way if its recovery is
 *       {@code restart} or {@code recover} (fresh state: checkpoints come with migration); with
 *       {@code none} or {@code escalate} it stays down, and its node restarts it when it returns.
 *   <li>An instance running here whose name another live node owns (both sides ran it while a
 *       link was cut) is stopped here: the directory's owner wins, so the cluster converges
 *       without duplicates.
 *   <li>{@code placement.per-node: N} daemons run as {@code app/def/<node>-<k>} on every eligible
 *       node; nobody else claims them.
 *   <li>Names of dead nodes that are not daemon instances (reactive instances) are released.
 *   <li>The node's own names missing from the directory (a write failed while cut off) are
 *       written again.
 * </ul>
 */
final class DaemonPlacer {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonPlacer.class);

    private final NodeCore core;
    private final ClusterDirectory directory;
    private final NameMirror mirror;
    private final String self;
    private final Supplier<Collection<NodeInfo>> upNodes;
    private final Predicate<String> answers;
    private final java.util.function.Function<String, Optional<byte[]>> checkpoints;
    /** Per pass: whether a node that membership calls down still answered a direct probe. */
    private final Map<String, Boolean> answered = new HashMap<>();

    /**
     * @param answers probes a node directly (true if it answered): heartbeats lost to a stalled
     *     machine or a busy server must not move a live node's daemons (their state would be lost)
     */
    DaemonPlacer(NodeCore core, ClusterDirectory directory, NameMirror mirror, String self,
            Supplier<Collection<NodeInfo>> upNodes, Predicate<String> answers,
            java.util.function.Function<String, Optional<byte[]>> checkpoints) {
        this.core = core;
        this.directory = directory;
        this.mirror = mirror;
        this.self = self;
        this.upNodes = upNodes;
        this.answers = answers;
        this.checkpoints = checkpoints;
    }

    /**
     * Starts a daemon instance here: from its last checkpoint if the manifest asks for
     * checkpoints and one exists for this module version, else fresh. False if it already runs.
     */
    private boolean start(Definition d, String name) {
        if (d.spec().checkpointMs() > 0) {
            Optional<byte[]> bytes = checkpoints.apply(name);
            if (bytes.isPresent()) {
                try {
                    io.atoll.runtime.migration.Snapshot s = io.atoll.runtime.migration.Snapshot.decode(bytes.get());
                    if (s.module().equals(d.module().hash())) {
                        LOG.info("{} starts here from its last checkpoint ({} messages handled)", name, s.captured().messages());
                        return d.runDaemonFrom(name, s.captured(), s.aliases());
                    }
                    LOG.warn("{}: the checkpoint is of another module version: starting fresh", name);
                } catch (RuntimeException e) {
                    LOG.warn("{}: unusable checkpoint ({}): starting fresh", name, e.getMessage());
                }
            }
        }
        return d.runDaemon(name);
    }

    /** One pass; never throws (a fabric error is logged and the next pass tries again). */
    void pass() {
        Collection<NodeInfo> up = upNodes.get();
        Set<String> live = new HashSet<>();
        up.forEach(n -> live.add(n.name()));
        answered.clear();
        for (Application app : core.apps()) {
            Set<String> slots = new HashSet<>();
            for (Definition d : app.definitions()) {
                if (d.spec().kind() == AtomSpec.Kind.DAEMON) {
                    try {
                        place(d, up, live, slots);
                    } catch (RuntimeException e) {
                        LOG.warn("placing {}: {}", d.fullName(), e.getMessage());
                    }
                }
            }
            try {
                tidy(app, live, slots);
            } catch (RuntimeException e) {
                LOG.warn("tidying the names of {}: {}", app.name(), e.getMessage());
            }
        }
    }

    private void place(Definition d, Collection<NodeInfo> up, Set<String> live, Set<String> slots) {
        AtomSpec.Placement p = d.spec().placement();
        if (p.perNode() > 0) {
            boolean here = up.stream().anyMatch(n -> n.name().equals(self) && Placement.eligible(p, n));
            // Started once this node is eligible, never stopped for a change of figures (free memory
            // swings with garbage collection; zone and tags do not change while a node runs).
            for (int k = 0; k < p.perNode(); k++) {
                String name = d.fullName() + "/" + self + "-" + k;
                if (here && !runsHere(d, name) && !failedHere(d, name)) {
                    start(d, name);
                }
            }
            return;
        }
        for (int k = 0; k < d.spec().instances(); k++) {
            String name = d.fullName() + "/" + k;
            slots.add(name);
            placeSlot(d, name, up, live);
        }
    }

    private void placeSlot(Definition d, String name, Collection<NodeInfo> up, Set<String> live) {
        if (core.migrator().arriving(name)) {
            return; // moving here right now: the migration starts it
        }
        Optional<String> owner = directory.nodeOf(name);
        if (runsHere(d, name)) {
            if (core.migrator().progress(name).isPresent()) {
                return; // this node is moving it: the directory names the target before the move ends here
            }
            if (owner.isPresent() && !owner.get().equals(self) && live.contains(owner.get())) {
                // This node's copy of the directory may lag (an atom that just moved here still shows
                // its old node): only the store itself may make us stop a running instance.
                String stored = directory.ownerInStore(name).orElse(self);
                if (!stored.equals(self) && live.contains(stored)) {
                    LOG.warn("{} runs here and on node {}, which owns it in the directory: stopping it here", name, stored);
                    d.stopInstance(name);
                }
            }
            return;
        }
        if (failedHere(d, name)) {
            return; // failed here: its own recovery policy had the last word
        }
        boolean chosen = Placement.owner(name, d.spec().placement(), up).map(self::equals).orElse(false);
        if (owner.isEmpty()) {
            if (chosen && claim(name) && !start(d, name)) {
                directory.release(name, self); // undeployed meanwhile: leave no name behind
            }
        } else if (owner.get().equals(self)) {
            // ours, not running: from before this process started (a restart), so run it again as a
            // lone node would, even if it had failed then. Unless it moved away moments ago: then
            // this node's copy of the directory lags behind the move.
            if (core.movedTo(name) == null) {
                start(d, name);
            }
        } else if (!live.contains(owner.get()) && chosen && failsOver(d.spec()) && isGone(owner.get())) {
            if (directory.takeOver(name, owner.get(), self, NameMirror.RUNNING)) {
                LOG.info("node {} is down: {} restarts here", owner.get(), name);
                if (!start(d, name)) {
                    directory.release(name, self);
                }
            }
        }
    }

    private boolean claim(String name) {
        try {
            directory.register(name, self, NameMirror.RUNNING);
            return true;
        } catch (AtollException e) {
            return false; // another node claimed it first
        }
    }

    /** Releases dead nodes' names that no daemon slot keeps, and writes back our own missing ones. */
    private void tidy(Application app, Set<String> live, Set<String> slots) {
        for (String name : directory.lookup(app.name(), Abi.LOOKUP_PREFIX, "")) {
            String owner = directory.nodeOf(name).orElse(self);
            if (!owner.equals(self) && !live.contains(owner) && !slots.contains(name) && isGone(owner)) {
                directory.release(name, owner);
            } else if (owner.equals(self) && !slots.contains(name) && !name.contains("/" + self + "-")
                    && core.directory().get(name) == null) {
                mirror.withdrawn(name); // a ghost of ours (a write lost, or from before a fast restart)
            } else if (owner.equals(self) && name.contains("/" + self + "-r") && core.directory().get(name) == null) {
                mirror.withdrawn(name); // one of our reactive instances that is gone
            }
        }
        for (Definition d : app.definitions()) {
            for (Atom a : d.instances()) {
                if (isLive(a) && directory.nodeOf(a.name()).isEmpty()) {
                    mirror.announced(a.name(), d.aliasesOf(a));
                }
            }
        }
    }

    /** A node membership calls down that does not answer a direct probe either (once per pass). */
    private boolean isGone(String node) {
        boolean alive = answered.computeIfAbsent(node, answers::test);
        if (alive) {
            LOG.info("node {} missed its heartbeats but answers: leaving its atoms where they are", node);
        }
        return !alive;
    }

    private static boolean failsOver(AtomSpec spec) {
        return spec.recovery() == AtomSpec.Recovery.RESTART || spec.recovery() == AtomSpec.Recovery.RECOVER;
    }

    private static boolean runsHere(Definition d, String name) {
        for (Atom a : d.instances()) {
            if (a.name().equals(name) && isLive(a)) {
                return true;
            }
        }
        return false;
    }

    private static boolean failedHere(Definition d, String name) {
        return d.instances().stream().anyMatch(a -> a.name().equals(name) && a.state() == AtomState.FAILED);
    }

    static boolean isLive(Atom a) {
        AtomState s = a.state();
        return s != AtomState.STOPPED && s != AtomState.FAILED && s != AtomState.MOVED && !a.isStopping()
                && a.movedTo() == null;
    }

    /** True if {@code name} is a daemon instance of this node that ended failed. */
    static boolean failedHere(NodeCore core, String name) {
        int slash = name.indexOf('/');
        Application app = slash < 0 ? null : core.app(name.substring(0, slash));
        if (app == null) {
            return false;
        }
        for (Definition d : app.definitions()) {
            if (d.spec().kind() == AtomSpec.Kind.DAEMON && name.startsWith(d.fullName() + "/")) {
                return d.instances().stream().anyMatch(a -> a.name().equals(name) && a.state() == AtomState.FAILED);
            }
        }
        return false;
    }
}
