package io.atoll.sdk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.teavm.interop.Address;

/**
 * The application's durable key-value store (docs/abi.md §2, needs the {@code storage} capability,
 * on by default). Keys are UTF-8 strings private to the application: every atom of the
 * application sees the same keys. Get it with {@link Atoll#kv()}.
 */
public final class Kv {
    static final Kv INSTANCE = new Kv();

    /** One key/value pair of a {@link #scan} result. */
    public static final class Entry {
        private final String key;
        private final byte[] value;

        Entry(String key, byte[] value) {
            this.key = key;
            this.value = value;
        }

        public String key() {
            return key;
        }

        public byte[] value() {
            return value;
        }

        /** The value decoded as UTF-8. */
        public String text() {
            return Codec.string(value);
        }

        @Override
        public String toString() {
            return key + "=" + text();
        }
    }

    private Kv() {
    }

    /** The value, or {@code null} if the key is absent. */
    public byte[] get(String key) {
        return get(Codec.utf8(key));
    }

    /**
     * {@link #get(String)} with the key already in UTF-8: for hot paths that build keys from bytes
     * (no String to build and encode again on every call).
     */
    public byte[] get(byte[] key) {
        int n = Host.kvGet(Address.ofData(key).toInt(), key.length);
        if (n == AtollError.ENOTFOUND.code()) {
            return null;
        }
        if (n < 0) {
            AtollException.check(n, "kv_get", Codec.string(key));
        }
        return Atoll.takeResult(n);
    }

    /** The value decoded as UTF-8, or {@code null} if the key is absent. */
    public String getString(String key) {
        byte[] v = get(key);
        return v == null ? null : Codec.string(v);
    }

    /** The value as a decimal {@code long} (as written by {@link #putLong}), or {@code dflt}. */
    public long getLong(String key, long dflt) {
        String v = getString(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** Stores the value; returns once the write is durable. */
    public void put(String key, byte[] value) {
        put(Codec.utf8(key), value);
    }

    /** {@link #put(String, byte[])} with the key already in UTF-8. */
    public void put(byte[] key, byte[] value) {
        byte[] v = value == null ? Codec.EMPTY : value;
        int r = Host.kvPut(Address.ofData(key).toInt(), key.length, Address.ofData(v).toInt(), v.length);
        if (r < 0) {
            AtollException.check(r, "kv_put", Codec.string(key));
        }
    }

    /** Stores a UTF-8 string. */
    public void put(String key, String value) {
        put(key, Codec.utf8(value));
    }

    /** Stores a {@code long} as decimal text. */
    public void putLong(String key, long value) {
        put(key, Long.toString(value));
    }

    /** Deletes the key (deleting a missing key is not an error). */
    public void delete(String key) {
        byte[] k = Codec.utf8(key);
        AtollException.check(Host.kvDelete(Address.ofData(k).toInt(), k.length), "kv_delete", key);
    }

    /** Every pair whose key starts with {@code prefix}, sorted by key. */
    public List<Entry> scan(String prefix) {
        return scan(prefix, 0);
    }

    /** At most {@code limit} pairs ({@code 0} = no limit) whose key starts with {@code prefix}, sorted by key. */
    public List<Entry> scan(String prefix, int limit) {
        byte[] p = Codec.utf8(prefix);
        int n = AtollException.check(Host.kvScan(Address.ofData(p).toInt(), p.length, limit), "kv_scan", prefix);
        if (n == 0) {
            return Collections.emptyList();
        }
        Codec.Reader r = new Codec.Reader(Atoll.takeResult(n));
        int count = r.u32();
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = r.string();
            byte[] value = r.bytes();
            out.add(new Entry(key, value));
        }
        return out;
    }
}
