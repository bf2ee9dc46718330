package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AppCatalog} on the JetStream key-value bucket {@value #BUCKET} (history 1, file storage): the
 * key is the application name as it is (application names are valid keys), the value its record.
 *
 * <p>One path for every change: the cache and the listeners are updated only by the bucket's watch
 * (one thread, store order). A write here waits, bounded, until the watch has applied it, which gives
 * read-your-writes without a second code path that could report a change twice or out of order.
 * Revisions are the stream's sequence numbers, increasing across all keys, so "the watch has reached
 * revision r" means every change up to r is in the cache.
 */
public final class NatsAppCatalog implements AppCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(NatsAppCatalog.class);

    public static final String BUCKET = "atoll-apps";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    /** How long a write waits for its own change to come back through the watch. */
    private static final Duration VISIBLE_TIMEOUT = Duration.ofSeconds(2);

    private final KeyValue kv;
    private volatile NatsKeyValueWatchSubscription watch;

    // Written only by the watch thread, under `lock`; `apps` is read without it.
    private final Object lock = new Object();
    private final ConcurrentSkipListMap<String, byte[]> apps = new ConcurrentSkipListMap<>();
    /** Last revision seen per key, deletes included. */
    private final Map<String, Long> revisions = new HashMap<>();
    private final List<Listener> listeners = new ArrayList<>();
    private long lastRevision;
    private volatile Thread watchThread;
    private volatile boolean closed;

    /** Uses a connection shared with the node's other fabric components; {@link #close} leaves it open. */
    public NatsAppCatalog(Connection nc) {
        this(nc, BUCKET);
    }

    NatsAppCatalog(Connection nc, String bucket) {
        Objects.requireNonNull(nc, "connection");
        try {
            this.kv = Buckets.keyValue(nc, bucket);
            this.watch = Buckets.watchAll(kv, this::onChange, "the application catalog");
        } catch (AtollException e) {
            throw e;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw storeError("open the application catalog", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("open the application catalog", e);
        }
    }

    @Override
    public void resync() {
        if (!closed) {
            watch = Buckets.rewatch(kv, watch, this::onChange, "the application catalog");
        }
    }

    @Override
    public boolean create(String app, byte[] record) {
        checkName(app);
        Objects.requireNonNull(record, "record");
        checkOpen();
        long revision;
        try {
            revision = kv.create(app, record.clone());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE) {
                return false; // it exists (the store decided, so a race has one winner)
            }
            throw storeError("deploy " + app, e);
        } catch (IOException e) {
            throw storeError("deploy " + app, e);
        }
        awaitWatch("deploy " + app, () -> lastRevision >= revision);
        return true;
    }

    @Override
    public void delete(String app) {
        checkName(app);
        checkOpen();
        long before;
        synchronized (lock) {
            before = lastRevision;
        }
        try {
            kv.delete(app);
        } catch (IOException | JetStreamApiException e) {
            throw storeError("undeploy " + app, e);
        }
        // The delete's revision is not returned, but it is newer than anything the watch had seen.
        awaitWatch("undeploy " + app, () -> revisions.getOrDefault(app, 0L) > before);
    }

    @Override
    public Optional<byte[]> get(String app) {
        byte[] r = apps.get(app);
        return r == null ? Optional.empty() : Optional.of(r.clone());
    }

    @Override
    public Map<String, byte[]> all() {
        Map<String, byte[]> copy = new TreeMap<>();
        apps.forEach((app, record) -> copy.put(app, record.clone()));
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public void listen(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        // Under the watch's lock: no change can slip in between the replay and the registration.
        synchronized (lock) {
            apps.forEach((app, record) -> tell(listener, app, record));
            listeners.add(listener);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            watch.unsubscribe();
        } catch (RuntimeException e) {
            LOG.debug("catalog watch already gone: {}", e.toString());
        }
        synchronized (lock) {
            listeners.clear();
        }
    }

    // --- on the watch thread ---

    private void onChange(KeyValueEntry e) {
        watchThread = Thread.currentThread();
        String app = e.getKey();
        synchronized (lock) {
            if (e.getRevision() <= revisions.getOrDefault(app, 0L)) {
                return; // seen already (a re-read after a cut replays everything)
            }
            lastRevision = Math.max(lastRevision, e.getRevision());
            revisions.put(app, e.getRevision());
            if (!NAME.matcher(app).matches()) {
                LOG.warn("ignoring catalog key {}: not an application name", app);
            } else if (e.getOperation() == KeyValueOperation.PUT) {
                byte[] record = e.getValue() == null ? new byte[0] : e.getValue();
                apps.put(app, record);
                for (Listener l : listeners) {
                    tell(l, app, record);
                }
            } else if (apps.remove(app) != null) {
                for (Listener l : listeners) {
                    try {
                        l.undeployed(app);
                    } catch (RuntimeException ex) {
                        LOG.warn("catalog listener failed on undeploy of {}", app, ex);
                    }
                }
            }
            lock.notifyAll(); // writers waiting in awaitWatch
        }
    }

    private static void tell(Listener l, String app, byte[] record) {
        try {
            l.deployed(app, record.clone());
        } catch (RuntimeException ex) {
            LOG.warn("catalog listener failed on deploy of {}", app, ex);
        }
    }

    // --- helpers ---

    /**
     * Waits until the watch has applied our write. Not on the watch thread itself (a listener that
     * writes despite rule 5): it would wait for itself. A timeout is logged, not thrown: the write is
     * durable, only this node's copy lags.
     */
    private void awaitWatch(String what, BooleanSupplier applied) {
        if (Thread.currentThread() == watchThread) {
            return;
        }
        long deadline = System.nanoTime() + VISIBLE_TIMEOUT.toNanos();
        synchronized (lock) {
            while (!applied.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("{} was stored, but the local catalog copy has not caught up after {} ms", what,
                            VISIBLE_TIMEOUT.toMillis());
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void checkName(String app) {
        if (app == null || !NAME.matcher(app).matches()) {
            throw new IllegalArgumentException("an application name matches [a-z0-9][a-z0-9-]*, got " + app);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new AtollException("the application catalog is closed");
        }
    }

    private static AtollException storeError(String what, Exception e) {
        return new AtollException("cannot " + what + ": " + e.getMessage(),
                "check the fabric: nats-server with JetStream (-js); on an edge leaf server, default_js_domain (docs/zones.md)", e);
    }
}
