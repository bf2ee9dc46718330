package io.atoll.fabric;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.ObjectStore;
import io.nats.client.ObjectStoreManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.StorageType;
import java.io.IOException;

/**
 * Opens a JetStream bucket, creating it on first use. Every node runs this at start, so two may race
 * to create: the loser's create fails and it uses the winner's bucket. An existing bucket is used as
 * it is (an operator may have created it with more replicas).
 */
final class Buckets {
    private Buckets() {
    }

    /** A key-value bucket keeping only the latest value per key, on disk. */
    static KeyValue keyValue(Connection nc, String bucket) throws IOException, JetStreamApiException {
        KeyValueManagement kvm = nc.keyValueManagement();
        try {
            kvm.getStatus(bucket);
        } catch (JetStreamApiException missing) {
            try {
                kvm.create(KeyValueConfiguration.builder().name(bucket).maxHistoryPerKey(1)
                        .storageType(StorageType.File).build());
            } catch (JetStreamApiException e) {
                kvm.getStatus(bucket); // another node created it first: fine if it exists now
            }
        }
        return nc.keyValue(bucket);
    }

    /**
     * Watches every key of a bucket into {@code onChange} (the watch's thread) and returns once the
     * current entries were delivered; a bucket that does not load in time is an
     * {@link io.atoll.abi.AtollException} naming {@code what}.
     */
    static io.nats.client.impl.NatsKeyValueWatchSubscription watchAll(KeyValue kv,
            java.util.function.Consumer<io.nats.client.api.KeyValueEntry> onChange, String what)
            throws IOException, JetStreamApiException, InterruptedException {
        java.util.concurrent.CountDownLatch loaded = new java.util.concurrent.CountDownLatch(1);
        io.nats.client.impl.NatsKeyValueWatchSubscription w = kv.watchAll(new io.nats.client.api.KeyValueWatcher() {
            @Override
            public void watch(io.nats.client.api.KeyValueEntry e) {
                onChange.accept(e);
            }

            @Override
            public void endOfData() {
                loaded.countDown();
            }
        });
        if (!loaded.await(LOAD_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
            w.unsubscribe();
            throw new io.atoll.abi.AtollException(what + " did not load within " + LOAD_TIMEOUT_SECONDS + " s",
                    "check that nats-server runs with JetStream (-js), or on a leaf server default_js_domain (docs/zones.md)");
        }
        return w;
    }

    /**
     * Replaces a watch with a new one that re-reads the whole bucket (entries seen twice are
     * ignored by revision by the callers); on failure keeps the old one and logs. Returns the
     * watch to keep.
     */
    static io.nats.client.impl.NatsKeyValueWatchSubscription rewatch(KeyValue kv,
            io.nats.client.impl.NatsKeyValueWatchSubscription old,
            java.util.function.Consumer<io.nats.client.api.KeyValueEntry> onChange, String what) {
        try {
            io.nats.client.impl.NatsKeyValueWatchSubscription fresh = watchAll(kv, onChange, what);
            old.unsubscribe();
            return fresh;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(Buckets.class).warn("cannot re-read {}: {}", what, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return old;
    }

    static final long LOAD_TIMEOUT_SECONDS = 10;

    /** An object store bucket, on disk. */
    static ObjectStore objectStore(Connection nc, String bucket) throws IOException, JetStreamApiException {
        ObjectStoreManagement osm = nc.objectStoreManagement();
        try {
            osm.getStatus(bucket);
        } catch (JetStreamApiException missing) {
            try {
                osm.create(ObjectStoreConfiguration.builder().name(bucket).storageType(StorageType.File).build());
            } catch (JetStreamApiException e) {
                osm.getStatus(bucket);
            }
        }
        return nc.objectStore(bucket);
    }
}
