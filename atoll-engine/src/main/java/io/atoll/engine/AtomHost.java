package io.atoll.engine;

import java.util.List;

/**
 * What the runtime provides to one atom instance: the semantics behind the {@code atoll}
 * imports. The engine decodes pointers and lengths and calls these on the atom's own thread.
 *
 * <p>Contract:
 * <ol>
 *   <li>Every method MUST report ABI-level failures by throwing {@link HostError}; any other
 *       exception is treated as a runtime failure ({@code EINTERNAL}) and logged.
 *   <li>{@link #receive} MAY block; all other methods MUST NOT block for long (storage writes
 *       wait for durability, which is bounded).
 *   <li>{@link #exit} MUST throw {@link AtomExit}.
 * </ol>
 */
public interface AtomHost {
    /** @return the number of atoms the message was delivered to. */
    int send(String to, byte[] payload, int flags, long correlation);

    /** @return the next envelope, encoded, or null when the timeout passed (-1 = forever). */
    byte[] receive(long timeoutMs) throws InterruptedException;

    void aliasAdd(String alias);

    void aliasRemove(String alias);

    List<String> lookup(int mode, String query);

    String selfName();

    String spawn(String definition);

    /** @return the value or null. */
    byte[] kvGet(byte[] key);

    void kvPut(byte[] key, byte[] value);

    void kvDelete(byte[] key);

    /** @return the encoded key/value list (docs/abi.md §4). */
    byte[] kvScan(byte[] prefix, int limit);

    void log(int level, String text);

    void exit(int code);

    /** The atom's monotonic clock in nanoseconds ({@code atoll.clock_monotonic}); it moves with the atom. */
    default long clockMonotonic() {
        return System.nanoTime();
    }

    /**
     * True while the runtime wants the atom captured mid-run: an import the module was
     * instrumented for then unwinds the call stack instead of running ({@link Asyncify}).
     */
    default boolean captureRequested() {
        return false;
    }

    /** A capture could not start (no memory left for the save area); the atom goes on running. */
    default void captureFailed(String why) {}
}
