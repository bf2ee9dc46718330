package io.atoll.cluster;

import io.atoll.fabric.ClusterDirectory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies this node's names into the cluster directory, in the order they changed, on one writer
 * thread: atoms and event loops never wait for the fabric (a directory write is a JetStream round
 * trip). A write that fails (fabric cut off) is logged; {@link DaemonPlacer} repairs the directory
 * from the node's own names on its next pass.
 */
final class NameMirror implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NameMirror.class);
    static final Map<String, String> RUNNING = Map.of("state", "running");
    static final Map<String, String> FAILED = Map.of("state", "failed");

    private final ClusterDirectory directory;
    private final String self;
    /** True for a daemon instance of this node that ended failed (its entry is kept, marked failed). */
    private final Predicate<String> failedDaemon;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "atoll-directory-writer");
        t.setDaemon(true);
        return t;
    });

    NameMirror(ClusterDirectory directory, String self, Predicate<String> failedDaemon) {
        this.directory = directory;
        this.self = self;
        this.failedDaemon = failedDaemon;
    }

    void announced(String name, List<String> aliases) {
        write("register " + name, () -> {
            directory.register(name, self, RUNNING);
            for (String alias : aliases) {
                directory.addAlias(name, alias);
            }
        });
    }

    void withdrawn(String name) {
        write("unregister " + name, () -> {
            if (failedDaemon.test(name)) {
                // kept, marked failed: no other node restarts a daemon whose restarts ran out here
                directory.register(name, self, FAILED);
            } else {
                directory.release(name, self);
            }
        });
    }

    void aliasAdded(String name, String alias) {
        write("alias " + name + " as " + alias, () -> directory.addAlias(name, alias));
    }

    void aliasRemoved(String name, String alias) {
        write("drop alias " + alias + " of " + name, () -> directory.removeAlias(name, alias));
    }

    private void write(String what, Runnable change) {
        try {
            writer.execute(() -> {
                try {
                    change.run();
                } catch (RuntimeException e) {
                    LOG.warn("directory: cannot {}: {}", what, e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("directory: closed, not written: {}", what);
        }
    }

    /** Writes what is queued (bounded wait), then stops. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("directory: some name changes were not written before shutdown");
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
