package io.atoll.fabric;

import java.util.Optional;

/**
 * Module distribution: Wasm modules shared by every node, named by the SHA-256 of their bytes (64
 * lower-case hex digits, no {@code sha256:} prefix), so a node that is told to run module {@code h}
 * can fetch it from the cluster and know it got the right bytes. Implementations:
 * {@link NatsModuleStore}.
 *
 * <p>Contract:
 * <ol>
 *   <li>A name that is not 64 lower-case hex digits MUST be refused with
 *       {@link IllegalArgumentException}.
 *   <li>{@link #put} MUST check that the bytes hash to the name before storing anything, and refuse
 *       a mismatch with {@link IllegalArgumentException}. It MUST be idempotent: a module already
 *       present is left as it is. When it returns, the module is durably stored and every node's
 *       {@link #has}/{@link #get} see it.
 *   <li>{@link #get} MUST check the bytes it read against the name, and report a mismatch (or a
 *       damaged object) as an {@link io.atoll.abi.AtollException}, never return them. A missing module
 *       is {@link Optional#empty()}.
 *   <li>Modules may be several megabytes; the implementation MUST NOT be limited by the fabric's
 *       message size.
 *   <li>If the store cannot be reached, every method MUST fail with an
 *       {@link io.atoll.abi.AtollException} within a bounded time (a few seconds per round trip).
 *   <li>Methods are safe to call from any thread and block the caller (do not call them on an
 *       event loop). {@link #close} MUST be idempotent and MUST NOT close a shared connection.
 * </ol>
 */
public interface ModuleStore extends AutoCloseable {

    /** Stores a module under its hash; no-op if present. */
    void put(String sha256Hex, byte[] bytes);

    /** The module's bytes, verified, or empty if no node stored it. */
    Optional<byte[]> get(String sha256Hex);

    /** Whether the module is stored (reads metadata only). */
    boolean has(String sha256Hex);

    /**
     * Removes an object (a migration snapshot that arrived); no-op if absent. Modules are never
     * removed: an application deployed later may name them.
     */
    void delete(String sha256Hex);

    @Override
    void close();
}
