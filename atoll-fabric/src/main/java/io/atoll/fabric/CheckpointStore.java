package io.atoll.fabric;

import java.util.List;
import java.util.Optional;

/**
 * The last checkpoint of each atom that asks for them, kept in the fabric so that another node can
 * restart a daemon from it when its node dies. Implementations: {@link NatsCheckpointStore}.
 *
 * <p>Contract: {@link #put} replaces the previous checkpoint of that name and returns once the
 * store acknowledged it; {@link #get} returns the latest acknowledged one (any node, a round
 * trip); {@link #delete} is idempotent. Names are atom names ({@code app/def/instance}). An
 * unreachable store fails with an {@link io.atoll.abi.AtollException} within a bounded time.
 */
public interface CheckpointStore extends AutoCloseable {
    void put(String name, byte[] snapshot);

    Optional<byte[]> get(String name);

    void delete(String name);

    /** Names with a checkpoint that start with {@code prefix} (e.g. {@code app/}). */
    List<String> names(String prefix);

    @Override
    void close();
}
