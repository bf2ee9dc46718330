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
