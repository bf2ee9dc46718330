package io.atoll.abi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The key/value list encoding of docs/abi.md §4 (the result of {@code kv_scan}). */
public final class KvList {
    private KvList() {}

    public static byte[] encode(List<Map.Entry<byte[], byte[]>> pairs) {
        int n = 4;
        for (var p : pairs) {
            n += 8 + p.getKey().length + p.getValue().length;
        }
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(pairs.size());
        for (var p : pairs) {
            Codec.put(b, p.getKey());
            Codec.put(b, p.getValue());
        }
        return b.array();
    }

    public static List<Map.Entry<byte[], byte[]>> decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt();
        List<Map.Entry<byte[], byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Map.entry(Codec.bytes(b), Codec.bytes(b)));
        }
        return out;
    }
}
