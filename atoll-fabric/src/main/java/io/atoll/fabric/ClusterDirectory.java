package io.atoll.fabric;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster-wide directory of atom names ({@code app/def/instance}): which node runs each name,
 * the instance's metadata, and the per-application aliases it holds. Every node keeps a copy, so
 * look-ups give the same results as the runtime's one-node {@code Directory}, cluster-wide.
 * Implementations: {@link NatsDirectory}.
 *
 * <p>Contract:
 * <ol>
 *   <li>Reads ({@link #nodeOf}, {@link #metadataOf}, {@link #aliasesOf}, {@link #lookup},
 *       {@link #aliasMembers}) MUST be served from a local copy kept current by watching the shared
 *       store: no network round trip per look-up. A change made on any node MUST become visible on
 *       every other node without polling (as fast as a message travels).
 *   <li>Writes ({@link #register}, {@link #unregister}, {@link #addAlias}, {@link #removeAlias},
 *       {@link #unregisterNode}) MUST be durably acknowledged by the shared store before they return,
 *       and MUST be visible to reads on the same instance once they return (read-your-writes).
 *       If the store cannot be reached they MUST fail with an {@link io.atoll.abi.AtollException}
 *       within a bounded time.
 *   <li>A name MUST belong to at most one node. {@link #register} MUST refuse, with an
 *       {@link io.atoll.abi.AtollException} naming the name and the owner, a name registered by
 *       another node, even when two nodes race (compare-and-set in the store, not a check of the
 *       local copy). Re-registering by the owner itself MUST succeed (it replaces the metadata and
 *       keeps the aliases).
 *   <li>Aliases are scoped to the application of the name (its first segment), as on one node. A name
 *       MUST be registered to take an alias; unregistering a name MUST drop all its aliases.
 *   <li>{@link #lookup} MUST have the runtime {@code Directory}'s semantics: only names of
 *       application {@code app} are visible; queries may be full ({@code app/def/i}) or relative
 *       ({@code def/i}); modes are {@link io.atoll.abi.Abi#LOOKUP_EXACT} (0),
 *       {@link io.atoll.abi.Abi#LOOKUP_PREFIX} (1), {@link io.atoll.abi.Abi#LOOKUP_ALIAS} (2) and
 *       {@link io.atoll.abi.Abi#LOOKUP_REGEX} (3, matching the full name or the name without
 *       {@code app/}); results are full names, sorted. An unknown mode or a bad regular expression
 *       MUST throw {@link IllegalArgumentException} (the runtime maps it to EINVAL).
 *   <li>A freshly constructed instance MUST already hold every existing entry when its constructor
 *       returns.
 *   <li>{@link #unregister} and {@link #unregisterNode} MUST be idempotent; {@link #unregisterNode}
 *       MUST NOT drop a name that was re-registered by another node in the meantime.
 *   <li>{@link #close} MUST be idempotent; after it, writes fail and reads return the last copy.
 * </ol>
 */
public interface ClusterDirectory extends AutoCloseable {

    /** Registers {@code name} as running on {@code node}; see rule 3. */
    void register(String name, String node, Map<String, String> metadata);

    /** Removes a name and all its aliases; no-op if absent. */
    void unregister(String name);

    /** Gives a registered name an alias in its application; no-op if it already holds it. */
    void addAlias(String name, String alias);

    /** @return false if the name did not hold the alias (or is not registered) */
    boolean removeAlias(String name, String alias);

    /** The node a name runs on according to the store itself, not the copy (a round trip). */
    Optional<String> ownerInStore(String name);

    /** The node a name runs on, from the local copy. */
    Optional<String> nodeOf(String name);

    /** The metadata registered with a name, from the local copy. */
    Optional<Map<String, String>> metadataOf(String name);

    /** Aliases held by a name, sorted. */
    List<String> aliasesOf(String name);

    /** A look-up from inside application {@code app}; see rule 5. */
    List<String> lookup(String app, int mode, String query);

    /** Names holding an alias in an application, sorted. */
    List<String> aliasMembers(String app, String alias);

    /**
     * Removes a name only while {@code node} owns it (compare-and-set): a node giving up a name
     * must not remove another node's registration of it. Returns false if it did not own it.
     */
    boolean release(String name, String node);

    /**
     * Moves a name from {@code fromNode} (a dead node) to {@code toNode} with new metadata, only
     * while {@code fromNode} still owns it (compare-and-set; aliases are kept). Returns false if
     * the name is absent or owned by another node by now.
     */
    boolean takeOver(String name, String fromNode, String toNode, Map<String, String> metadata);

    /** Drops every name registered by {@code node} (a dead node); returns the names dropped, sorted. */
    List<String> unregisterNode(String node);

    /**
     * Re-reads the whole store into the local copy. After a cut link heals, a watch can lag for
     * tens of seconds (docs/zones.md); this catches up at once. Failures are logged, not thrown.
     */
    void resync();

    @Override
    void close();
}
