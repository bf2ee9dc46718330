package io.atoll.fabric;

import java.util.List;

/**
 * Which nodes make up the cluster and which of them are alive. Implementations: {@link NatsMembership}.
 *
 * <p>Contract:
 * <ol>
 *   <li>Every method MUST return promptly: none may wait on the network for longer than a bounded,
 *       documented time ({@link #join} the longest: connect plus the name check).
 *   <li>{@link #join} MUST be called once, before anything else but {@link #close}. It MUST refuse, with
 *       an {@link io.atoll.abi.AtollException} naming the conflict, a name in use by a live node; and
 *       with an {@code AtollException} carrying a hint if the fabric cannot be reached.
 *   <li>{@link #members} MUST return an immutable snapshot sorted by name that includes this node
 *       (always UP while joined). Nodes that went DOWN stay listed as DOWN.
 *   <li>A node not heard from for {@code downAfter} MUST be reported DOWN to every member within
 *       {@code downAfter} plus one heartbeat interval. A node that {@link #leave}s MUST be reported
 *       DOWN at once (as fast as a message travels), not after {@code downAfter}.
 *   <li>A node heard from again after being DOWN (restarted, or the network healed) MUST be reported
 *       UP again.
 *   <li>Listeners MUST be called one event at a time, in the order the view changed, on one thread
 *       owned by the implementation. A listener MUST NOT block; an exception it throws is logged and
 *       does not stop other listeners.
 *   <li>{@link #leave} and {@link #close} MUST be idempotent and safe to call in any state.
 * </ol>
 */
public interface Membership extends AutoCloseable {

    /** Receives view changes; see rule 6 for threading. */
    @FunctionalInterface
    interface Listener {
        void onEvent(MemberEvent event);
    }

    /** Announce this node and start heartbeating and watching the others. */
    void join(NodeInfo self);

    /** Announce new figures for this node (same name); sent at once, then with every heartbeat. */
    void update(NodeInfo self);

    /** The current view, sorted by name, including this node. */
    List<Member> members();

    void addListener(Listener listener);

    /** Tell the others this node is going away (they mark it DOWN at once), then {@link #close}. */
    void leave();

    /**
     * Stop heartbeating and disconnect without telling anyone: the others notice after
     * {@code downAfter}. A node shutting down cleanly calls {@link #leave} instead.
     */
    @Override
    void close();
}
