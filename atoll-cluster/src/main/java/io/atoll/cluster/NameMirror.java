package io.atoll.cluster;

import io.atoll.fabric.ClusterDirectory;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies this node's names into the cluster directory on one writer thread: atoms and event
 * loops never wait for the fabric (a directory write is a JetStream round trip, about a
 * millisecond). What is queued is the latest wanted state per name, not every change: an
 * on-demand instance that comes and goes before the writer reaches it costs no write at all, so a
 * burst of short-lived instances cannot pile up writes. A write that fails (fabric cut off) is
 * logged; {@link DaemonPlacer} repairs the directory from the node's own names on its next pass.
 */
final class NameMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NameMirror.class);
    static final Map<String, String> RUNNING = Map.of("state", "running");
    static final Map<String, String> FAILED = Map.of("state", "failed");

    /** What the directory should say about one of our names. */
    private record Wanted(boolean present, Set<String> aliases) {}

    private final ClusterDirectory directory;
    private final String self;
    /** True for a daemon instance of this node that ended failed (its entry is kept, marked failed). */
    private final Predicate<String> failedDaemon;
    private final Object lock = new Object();
    /** Names to write, oldest change first; guarded by {@code lock}. */
    private final LinkedHashMap<String, Wanted> pending = new LinkedHashMap<>();
    /** The aliases this node last wrote per name, so a name never written needs no delete; written by the writer only. */
    private final Map<String, Set<String>> written = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread writer;
    private volatile boolean closing;

    NameMirror(ClusterDirectory directory, String self, Predicate<String> failedDaemon) {
        this.directory = directory;
        this.self = self;
        this.failedDaemon = failedDaemon;
        this.writer = Thread.ofPlatform().name("atoll-directory-writer").daemon().start(this::writeLoop);
    }

    void announced(String name, List<String> aliases) {
        want(name, w -> new Wanted(true, new TreeSet<>(aliases)));
    }

    void withdrawn(String name) {
        want(name, w -> new Wanted(false, Set.of()));
    }

    void aliasAdded(String name, String alias) {
        want(name, w -> {
            Set<String> a = new TreeSet<>(w == null ? written.getOrDefault(name, Set.of()) : w.aliases());
            a.add(alias);
            return new Wanted(true, a);
        });
    }

    void aliasRemoved(String name, String alias) {
        want(name, w -> {
            Set<String> a = new TreeSet<>(w == null ? written.getOrDefault(name, Set.of()) : w.aliases());
            a.remove(alias);
            return new Wanted(w == null || w.present(), a);
        });
    }

    private void want(String name, java.util.function.UnaryOperator<Wanted> change) {
        synchronized (lock) {
            Wanted next = change.apply(pending.remove(name)); // re-inserted last: oldest change first
            pending.put(name, next);
            lock.notifyAll();
        }
    }

    private void writeLoop() {
        while (true) {
            String name;
            Wanted w;
            synchronized (lock) {
                while (pending.isEmpty()) {
                    if (closing) {
                        return;
                    }
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                Iterator<Map.Entry<String, Wanted>> it = pending.entrySet().iterator();
                Map.Entry<String, Wanted> first = it.next();
                it.remove();
                name = first.getKey();
                w = first.getValue();
            }
            try {
                write(name, w);
            } catch (RuntimeException e) {
                LOG.warn("directory: cannot write {}: {}", name, e.getMessage());
            }
        }
    }

    private void write(String name, Wanted w) {
        if (w.present()) {
            Set<String> before = written.get(name);
            if (before == null || directory.nodeOf(name).filter(self::equals).isEmpty()) {
                directory.register(name, self, RUNNING); // new, or lost from the directory (repair)
                before = Set.copyOf(directory.aliasesOf(name));
            }
            written.put(name, before); // registered; the aliases below count once written
            Set<String> now = new TreeSet<>(before);
            for (String alias : w.aliases()) {
                if (!before.contains(alias)) {
                    directory.addAlias(name, alias);
                    now.add(alias);
                    written.put(name, Set.copyOf(now));
                }
            }
            for (String alias : before) {
                if (!w.aliases().contains(alias)) {
                    directory.removeAlias(name, alias);
                    now.remove(alias);
                    written.put(name, Set.copyOf(now));
                }
            }
        } else if (failedDaemon.test(name)) {
            // kept, marked failed: no other node restarts a daemon whose restarts ran out here
            written.remove(name);
            directory.register(name, self, FAILED);
        } else if (written.remove(name) != null || directory.nodeOf(name).filter(self::equals).isPresent()) {
            directory.release(name, self);
        }
    }

    /** Writes what is queued (bounded wait), then stops. */
    @Override
    public void close() {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warn("directory: some name changes were not written before shutdown");
            writer.interrupt();
        }
    }
}
