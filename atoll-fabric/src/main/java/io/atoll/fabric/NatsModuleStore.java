package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@link ModuleStore} on the JetStream object store bucket {@value #BUCKET} (file storage): one object
 * per module, named by its hex SHA-256; the object store splits it into 128 KiB chunks, so size is
 * bounded by the stream, not by the 1 MiB message limit.
 *
 * <p>Idempotence is "look, then write": two nodes putting the same new module in the same instant both
 * write it; readers are unaffected (same bytes), and the loser's chunks stay unreferenced in the
 * stream until the bucket is purged. Modules are written once per deploy, so this is rare and small.
 */
public final class NatsModuleStore implements ModuleStore {
    public static final String BUCKET = "atoll-modules";
    private static final Pattern NAME = Pattern.compile("[0-9a-f]{64}");

    private final ObjectStore store;
    private volatile boolean closed;

    /** Uses a connection shared with the node's other fabric components; {@link #close} leaves it open. */
    public NatsModuleStore(Connection nc) {
        this(nc, BUCKET);
    }

    NatsModuleStore(Connection nc, String bucket) {
        Objects.requireNonNull(nc, "connection");
        try {
            this.store = Buckets.objectStore(nc, bucket);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw storeError("open the module store " + bucket, e);
        }
    }

    @Override
    public void put(String sha256Hex, byte[] bytes) {
        checkName(sha256Hex);
        Objects.requireNonNull(bytes, "bytes");
        String actual = sha256(bytes);
        if (!actual.equals(sha256Hex)) {
            throw new IllegalArgumentException("module bytes hash to " + actual + ", not to their name " + sha256Hex);
        }
        if (has(sha256Hex)) {
            return;
        }
        try {
            store.put(sha256Hex, bytes);
        } catch (IOException | JetStreamApiException | NoSuchAlgorithmException | RuntimeException e) {
            throw storeError("store module " + sha256Hex, e);
        }
    }

    @Override
    public Optional<byte[]> get(String sha256Hex) {
        checkName(sha256Hex);
        checkOpen();
        try {
            ObjectInfo info = store.getInfo(sha256Hex);
            if (info == null) {
                return Optional.empty();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(info.getSize(), Integer.MAX_VALUE - 8));
            store.get(sha256Hex, out);
            byte[] bytes = out.toByteArray();
            if (!sha256(bytes).equals(sha256Hex)) {
                throw corrupt(sha256Hex, "its bytes hash to " + sha256(bytes), null);
            }
            return Optional.of(bytes);
        } catch (IOException | JetStreamApiException | NoSuchAlgorithmException e) {
            throw storeError("fetch module " + sha256Hex, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("fetch module " + sha256Hex, e);
        } catch (AtollException e) {
            throw e;
        } catch (RuntimeException e) {
            // jnats checks chunk count, size and its own digest and throws a plain runtime exception
            throw corrupt(sha256Hex, e.getMessage(), e);
        }
    }

    @Override
    public boolean has(String sha256Hex) {
        checkName(sha256Hex);
        checkOpen();
        try {
            return store.getInfo(sha256Hex) != null;
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw storeError("look up module " + sha256Hex, e);
        }
    }

    @Override
    public void delete(String sha256Hex) {
        checkName(sha256Hex);
        checkOpen();
        try {
            if (store.getInfo(sha256Hex) != null) {
                store.delete(sha256Hex);
            }
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            throw storeError("delete object " + sha256Hex, e);
        }
    }

    @Override
    public void close() {
        closed = true; // nothing else to release: the object store holds no subscription between calls
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void checkName(String sha256Hex) {
        if (sha256Hex == null || !NAME.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("a module name is 64 lower-case hex digits (its SHA-256), got " + sha256Hex);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new AtollException("the module store is closed");
        }
    }

    private static AtollException corrupt(String name, String why, Throwable cause) {
        return new AtollException("module " + name + " in the fabric's store is damaged: " + why,
                "delete it (nats object rm " + BUCKET + " " + name + ") and deploy the application again", cause);
    }

    private static AtollException storeError(String what, Exception e) {
        return new AtollException("cannot " + what + ": " + e.getMessage(),
                "check the fabric: nats-server with JetStream (-js); on an edge leaf server, default_js_domain (docs/zones.md)", e);
    }
}
