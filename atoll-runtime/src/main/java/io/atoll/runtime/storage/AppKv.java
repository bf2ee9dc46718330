package io.atoll.runtime.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One application's view of the node store: every key is stored as {@code app NUL key}, so an
 * application can neither read nor list another's keys (app names cannot contain NUL).
 */
public final class AppKv {
    private final KvStore store;
    private final byte[] prefix;

    public AppKv(KvStore store, String app) {
        this.store = store;
        byte[] a = app.getBytes(StandardCharsets.UTF_8);
        this.prefix = Arrays.copyOf(a, a.length + 1);
    }

    public byte[] get(byte[] key) {
        return store.get(full(key));
    }

    public void put(byte[] key, byte[] value) {
        store.put(full(key), value);
    }

    public void delete(byte[] key) {
        store.delete(full(key));
    }

    public List<Map.Entry<byte[], byte[]>> scan(byte[] keyPrefix, int limit) {
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
        for (var e : store.scan(full(keyPrefix), limit)) {
            out.add(Map.entry(Arrays.copyOfRange(e.getKey(), prefix.length, e.getKey().length), e.getValue()));
        }
        return out;
    }

    /** Deletes every key of the application. */
    public void clear() {
        for (var e : store.scan(prefix, 0)) {
            store.delete(e.getKey());
        }
    }

    private byte[] full(byte[] key) {
        byte[] k = Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, k, prefix.length, key.length);
        return k;
    }
}
