package io.atoll.runtime.cluster;

import io.atoll.abi.Envelope;
import io.atoll.runtime.manifest.AtomSpec;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a node asks of the other nodes. The runtime knows nothing of the fabric: a node started
 * alone uses {@link #ALONE}; a node joined to a fabric is given an implementation by the
 * orchestrator module ({@code atoll-cluster}), wired by the CLI.
 *
 * <p>Contract:
 * <ol>
 *   <li>Every method is called on atom threads and on Vert.x event loops: none may block on the
 *       network. The name calls ({@link #announced} ... {@link #aliasRemoved}) MUST be applied to
 *       the cluster directory asynchronously, in call order; reads come from a local copy.
 *   <li>{@link #lookup}, {@link #aliasMembers} and {@link #nodeOf} answer for every node, this one
 *       included, from that copy (so this node's newest changes may lag: the runtime merges its
 *       own names in itself). An unknown mode or a bad regular expression throws
 *       {@link IllegalArgumentException}.
 *   <li>{@link #forward} MUST complete with the remote node's answer (1, or a negative
 *       {@link io.atoll.abi.ErrorCode} code) or with {@code EUNREACHABLE}; never exceptionally,
 *       never silently: a message is acknowledged by the node that took it.
 *   <li>When {@link #placesDaemons()} is true, definitions start no daemon instance by
 *       themselves: the cluster starts each one on the node it chose
 *       ({@code Definition.runDaemon}).
 * </ol>
 */
public interface Cluster {

    /** This node's name. */
    String node();

    /** A local atom took a name (and the aliases it holds from the start). */
    void announced(String name, List<String> aliases);

    /** A local atom gave its name up. */
    void withdrawn(String name);

    void aliasAdded(String name, String alias);

    void aliasRemoved(String name, String alias);

    /** A look-up over the whole cluster (docs/abi.md §2 semantics), full names sorted. */
    List<String> lookup(String app, int mode, String query);

    List<String> aliasMembers(String app, String alias);

    /** The node that runs a name, if any. */
    Optional<String> nodeOf(String name);

    /** What the node running a name said about it ({@code state}: running or failed), from the copy. */
    default java.util.Map<String, String> metadataOf(String name) {
        return java.util.Map.of();
    }

    /** Whether a node is up as far as this node knows (from the local view; no round trip). */
    default boolean isUp(String node) {
        return true;
    }

    /** Delivers an envelope to {@code target} on {@code node}; see rule 3. */
    CompletableFuture<Integer> forward(String node, String target, Envelope envelope);

    /** See rule 4. */
    boolean placesDaemons();

    /**
     * The node on which a new instance of a reactive definition should be created: this node
     * when it is eligible, else another eligible one; empty when no node may host it.
     */
    Optional<String> reactiveHost(String app, AtomSpec spec);

    /**
     * Admission of a deploy requested on this node: throws an {@link io.atoll.abi.AtollException}
     * with the reason if an atom has no live node to run on. May block (a worker thread calls it).
     */
    void admit(io.atoll.runtime.manifest.Manifest manifest);

    /**
     * Shares an application deployed on this node at a user's request, so every node deploys it
     * (modules by hash); throws {@link io.atoll.abi.AtollException} if another node deployed an
     * application of that name meanwhile. May block.
     */
    void deployed(AppRecord record);

    /** Shares the undeployment of an application requested on this node. May block. */
    void undeployed(String app);

    // ---- migration (docs/migration.md) ----

    /**
     * The commit point of a migration: the name now belongs to {@code to}, by compare-and-set from
     * {@code from}; false if it did not belong to {@code from}. Blocks until the store answered.
     */
    default boolean moveName(String name, String from, String to) {
        return false;
    }

    /** Who owns a name according to the store itself (not the local copy). Blocks. */
    default Optional<String> ownerInStore(String name) {
        return nodeOf(name);
    }

    /**
     * A control call to another node (migration steps); completes with its answer, or
     * exceptionally with an {@link io.atoll.abi.AtollException} (its error, or unreachable).
     */
    default CompletableFuture<byte[]> call(String node, String op, byte[] body) {
        return CompletableFuture.failedFuture(new io.atoll.abi.AtollException("this node runs alone: there is no node " + node,
                "join a cluster with node start --fabric"));
    }

    /** Puts a module into the cluster's module store, for other nodes to fetch by hash. Blocks. */
    default void shareModule(String sha256Hex, byte[] bytes) {}

    /** A module from the cluster's module store, if there. Blocks. */
    default java.util.Optional<byte[]> fetchModule(String sha256Hex) {
        return java.util.Optional.empty();
    }

    /** Stores bytes under their SHA-256 (hex) in the fabric, for a large snapshot. Blocks. */
    default void putBlob(String sha256Hex, byte[] bytes) {
        throw new io.atoll.abi.AtollException("this node runs alone", null);
    }

    /** Fetches and removes bytes stored with {@link #putBlob}. Blocks. */
    default byte[] takeBlob(String sha256Hex) {
        throw new io.atoll.abi.AtollException("this node runs alone", null);
    }

    /**
     * Keeps the latest checkpoint of an atom in the fabric (asynchronously, latest wins); a
     * failover restarts the daemon from it. Alone: nowhere to keep it, nothing to fail over to.
     */
    default void saveCheckpoint(String name, byte[] snapshot) {
    }

    /** One node, no fabric: every name is local, every atom runs here. */
    Cluster ALONE = new Alone();

    /** {@link #ALONE}: names are the local directory's business, nothing is ever remote. */
    final class Alone implements Cluster {
        private Alone() {
        }

        @Override
        public String node() {
            return "";
        }

        @Override
        public void announced(String name, List<String> aliases) {
        }

        @Override
        public void withdrawn(String name) {
        }

        @Override
        public void aliasAdded(String name, String alias) {
        }

        @Override
        public void aliasRemoved(String name, String alias) {
        }

        @Override
        public List<String> lookup(String app, int mode, String query) {
            return List.of();
        }

        @Override
        public List<String> aliasMembers(String app, String alias) {
            return List.of();
        }

        @Override
        public Optional<String> nodeOf(String name) {
            return Optional.empty();
        }

        @Override
        public CompletableFuture<Integer> forward(String node, String target, Envelope envelope) {
            return CompletableFuture.completedFuture(io.atoll.abi.ErrorCode.EUNREACHABLE.code());
        }

        @Override
        public boolean placesDaemons() {
            return false;
        }

        @Override
        public Optional<String> reactiveHost(String app, AtomSpec spec) {
            return Optional.empty();
        }

        @Override
        public void admit(io.atoll.runtime.manifest.Manifest manifest) {
        }

        @Override
        public void deployed(AppRecord record) {
        }

        @Override
        public void undeployed(String app) {
        }
    }
}
