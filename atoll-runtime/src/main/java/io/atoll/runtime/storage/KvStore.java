package io.atoll.runtime.storage;

import java.util.List;
import java.util.Map;

/**
 * The node's persistent key-value store. Applications never see it directly: they get an
 * {@link AppKv} view confined to their namespace.
 *
 * <p>Contract:
 * <ol>
 *   <li>{@link #put} and {@link #delete} MUST return only once the change is durable (survives
 *       kill -9 of the process).
 *   <li>Methods MUST be safe to call from many threads at once.
 *   <li>{@link #scan} MUST return keys in ascending unsigned byte order.
 * </ol>
 */
public interface KvStore extends AutoCloseable {
    byte[] get(byte[] key);

    void put(byte[] key, byte[] value);

    void delete(byte[] key);

    /** At most {@code limit} pairs (0 = all) whose key starts with {@code prefix}. */
    List<Map.Entry<byte[], byte[]>> scan(byte[] prefix, int limit);

    @Override
    void close();
}
