package io.atoll.cluster;

import io.atoll.fabric.AppCatalog;
import io.atoll.fabric.ModuleStore;
import io.atoll.runtime.Node;
import io.atoll.runtime.cluster.AppRecord;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's applications equal to the cluster's catalog: every application deployed
 * anywhere is deployed here too (its modules fetched by hash from the fabric's module store),
 * every one undeployed anywhere is undeployed here. Whether an atom then runs here is placement's
 * business ({@link DaemonPlacer}, {@link FabricCluster#reactiveHost}). Deploys run on one thread
 * of their own: compiling a module must not hold up the catalog's watch.
 */
final class AppSync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AppSync.class);

    private final Node node;
    private final AppCatalog catalog;
    private final ModuleStore modules;
    private final Runnable afterChange;
    private final java.util.concurrent.ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "atoll-app-sync-retry");
        t.setDaemon(true);
        return t;
    });
    /** Applies the catalog's changes in order; package-private so tests can hold it up like a slow deploy. */
    final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "atoll-app-sync");
        t.setDaemon(true);
        return t;
    });

    AppSync(Node node, AppCatalog catalog, ModuleStore modules, Runnable afterChange) {
        this.node = node;
        this.catalog = catalog;
        this.modules = modules;
        this.afterChange = afterChange;
    }

    /** Forgets applications recorded here that the cluster no longer has, then follows the catalog. */
    void start() {
        Map<String, byte[]> shared = catalog.all();
        for (String app : node.recordedApps()) {
            if (!shared.containsKey(app)) {
                LOG.info("application {} was undeployed from the cluster while this node was away: forgetting it", app);
                node.undeployHere(app);
            }
        }
        catalog.listen(new AppCatalog.Listener() {
            @Override
            public void deployed(String app, byte[] record) {
                worker.execute(() -> deploy(app, record));
            }

            @Override
            public void undeployed(String app) {
                worker.execute(() -> undeploy(app));
            }
        });
    }

    /**
     * Re-reads the catalog and waits until this node has applied every change in it, so that an
     * application still deployed here only because its undeploy has not been applied yet (this
     * node's watch lags, or the worker is busy with an earlier deploy) is gone. Bounded by
     * {@code timeout}; a timeout only logs. Not on the worker itself, which would wait for itself.
     */
    void catchUp(java.time.Duration timeout) {
        catalog.resync();
        java.util.concurrent.Future<?> applied = worker.submit(() -> { });
        try {
            applied.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("this node has not applied the catalog's changes after {} s", timeout.toSeconds());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("catching up with the catalog: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deploy(String app, byte[] json) {
        try {
            if (!catalog.get(app).map(current -> java.util.Arrays.equals(current, json)).orElse(false)) {
                return; // overtaken: undeployed or replaced since, and that change is queued behind this one
            }
            AppRecord record = AppRecord.fromJson(json);
            java.util.Optional<AppRecord> here = node.recordOf(app);
            if (node.core().app(app) != null) {
                if (here.isEmpty() || sameVersion(here.get(), record)) {
                    return; // deployed here first (the request came to this node), or already caught up
                }
                // another version was deployed while this node was cut off: replace it
                LOG.info("application {} changed in the cluster: deploying the new version here", app);
                node.undeployHere(app);
            }
            for (String ref : record.modules().values()) {
                fetch(ref.substring("sha256:".length()));
            }
            node.deployHere(record);
            LOG.info("deployed {} from the cluster", app);
        } catch (RuntimeException e) {
            LOG.error("cannot deploy {} from the cluster on this node: {}; trying again in {} s", app, e.getMessage(),
                    RETRY_SECONDS);
            retryLater(app);
        }
        afterChange.run();
    }

    static final int RETRY_SECONDS = 5;

    /** A failed deploy is tried again while the catalog still lists the application. */
    private void retryLater(String app) {
        retry.schedule(() -> {
            try {
                worker.execute(() -> catalog.get(app).ifPresent(json -> {
                    if (node.core().app(app) == null) {
                        deploy(app, json);
                    }
                }));
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // shutting down
            }
        }, RETRY_SECONDS, TimeUnit.SECONDS);
    }

    private static boolean sameVersion(AppRecord a, AppRecord b) {
        return a.manifest().equals(b.manifest()) && a.modules().equals(b.modules());
    }

    private void fetch(String hash) {
        try {
            node.readModule(hash);
            return; // already here
        } catch (RuntimeException notHere) {
            // fetch it below
        }
        byte[] bytes = modules.get(hash).orElseThrow(() -> new io.atoll.abi.AtollException(
                "module sha256:" + hash + " is not in the cluster's module store", "deploy the application again"));
        node.storeModule(hash, bytes);
    }

    private void undeploy(String app) {
        if (node.undeployHere(app)) {
            LOG.info("undeployed {} (undeployed from the cluster)", app);
        }
        afterChange.run();
    }

    @Override
    public void close() {
        retry.shutdownNow();
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
