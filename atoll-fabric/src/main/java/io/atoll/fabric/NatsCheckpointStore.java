package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link CheckpointStore} on the JetStream object store bucket {@value #BUCKET} (file storage):
 * one object per atom name, replaced by each new checkpoint (objects are chunked, so a checkpoint
 * may be larger than one NATS message).
 */
public final class NatsCheckpointStore implements CheckpointStore {
    public static final String BUCKET = "atoll-checkpoints";

    private final ObjectStore store;

    public NatsCheckpointStore(Connection nc) {
        try {
            this.store = Buckets.objectStore(nc, BUCKET);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw error("open the checkpoint store", e);
        }
    }

    @Override
    public void put(String name, byte[] snapshot) {
        try {
            store.put(ObjectMeta.objectName(name), new ByteArrayInputStream(snapshot));
        } catch (IOException | JetStreamApiException | NoSuchAlgorithmException | RuntimeException e) {
            throw error("store the checkpoint of " + name, e);
        }
    }

    @Override
    public Optional<byte[]> get(String name) {
        try {
            ObjectInfo info = store.getInfo(name);
            if (info == null || info.isDeleted()) {
                return Optional.empty();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(info.getSize(), Integer.MAX_VALUE - 8));
            store.get(name, out);
            return Optional.of(out.toByteArray());
        } catch (IOException | JetStreamApiException | NoSuchAlgorithmException | RuntimeException e) {
            throw error("fetch the checkpoint of " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw error("fetch the checkpoint of " + name, e);
        }
    }

    @Override
    public void delete(String name) {
        try {
            ObjectInfo info = store.getInfo(name);
            if (info != null && !info.isDeleted()) {
                store.delete(name);
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw error("delete the checkpoint of " + name, e);
        }
    }

    @Override
    public List<String> names(String prefix) {
        try {
            List<String> out = new ArrayList<>();
            for (ObjectInfo info : store.getList()) {
                if (!info.isDeleted() && info.getObjectName().startsWith(prefix)) {
                    out.add(info.getObjectName());
                }
            }
            out.sort(null);
            return out;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw error("list checkpoints", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw error("list checkpoints", e);
        }
    }

    @Override
    public void close() {
        // the object store holds no subscription between calls
    }

    private static AtollException error(String what, Exception e) {
        return new AtollException("cannot " + what + ": " + e.getMessage(),
                "check the fabric: nats-server with JetStream (-js)", e);
    }
}
