package io.atoll.fabric;

import java.util.Map;
import java.util.Optional;

/**
 * The cluster-wide list of deployed applications: one opaque record per application name (the
 * runtime stores JSON). Every node keeps a copy and is told of changes, so deploying on one node
 * reaches all. Implementations: {@link NatsAppCatalog}.
 *
 * <p>Contract:
 * <ol>
 *   <li>Application names match {@code [a-z0-9][a-z0-9-]*}; any other name MUST be refused with
 *       {@link IllegalArgumentException}.
 *   <li>{@link #create} MUST be create-only, decided by the shared store (not the local copy), so of
 *       two nodes creating the same application at once exactly one gets {@code true}.
 *       {@link #delete} MUST be idempotent.
 *   <li>Writes MUST be durably acknowledged by the shared store before they return, and visible to
 *       {@link #get}/{@link #all} on the same instance once they return (read-your-writes). If the
 *       store cannot be reached they MUST fail with an {@link io.atoll.abi.AtollException} within a
 *       bounded time (a few seconds).
 *   <li>{@link #get} and {@link #all} MUST be served from a local copy kept current by watching the
 *       store, never a network round trip; a freshly constructed instance MUST already hold every
 *       existing application. {@link #all} is an immutable snapshot sorted by name.
 *   <li>{@link #listen} MUST first replay every current application to the new listener as
 *       {@link Listener#deployed} (on the calling thread), then report every later change made on any
 *       node, with no change missed or repeated in between. Later changes are reported on one thread
 *       owned by the implementation, one at a time, in the order the store applied them. A listener
 *       MUST NOT block and MUST NOT write to the catalog; an exception it throws is logged and does
 *       not stop other listeners.
 *   <li>Records handed out are copies: changing one changes nothing else.
 *   <li>{@link #close} MUST be idempotent and MUST NOT close a shared connection; after it, writes fail
 *       and reads return the last copy.
 * </ol>
 */
public interface AppCatalog extends AutoCloseable {

    /** Told about applications appearing and going; see rule 5 for threading. */
    interface Listener {
        /** An application was deployed, or its record replaced. */
        void deployed(String app, byte[] record);

        void undeployed(String app);
    }

    /** Records a new application; false (and nothing changed) if it already exists. */
    boolean create(String app, byte[] record);

    /** Removes an application; no-op if absent. */
    void delete(String app);

    /** An application's record, from the local copy. */
    Optional<byte[]> get(String app);

    /** Every application's record, sorted by name, from the local copy. */
    Map<String, byte[]> all();

    /** Replays the current applications to {@code listener}, then reports changes; see rule 5. */
    void listen(Listener listener);

    /**
     * Re-reads the whole bucket into the local copy, telling listeners what changed. After a cut
     * link heals, a watch can lag for tens of seconds (docs/zones.md); this catches up at once.
     * Failures are logged, not thrown.
     */
    void resync();

    @Override
    void close();
}
