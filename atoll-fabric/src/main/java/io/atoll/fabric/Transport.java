package io.atoll.fabric;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Remote delivery: one node hands an opaque message for a named target to another node and learns
 * that node's answer, so a message is never lost without the sender knowing (across a cut leaf link
 * a plain publish would vanish silently). Implementations: {@link NatsTransport}.
 *
 * <p>Contract:
 * <ol>
 *   <li>{@link #send} MUST NOT block: it returns a future at once. The future MUST complete, within
 *       {@code timeout} plus a small scheduling delay, with either the remote {@link Inbound}'s answer
 *       or {@link io.atoll.abi.ErrorCode#EUNREACHABLE} (nobody serves that node, the connection is
 *       down or the transport closed, or no answer came within {@code timeout}). It MUST NOT complete
 *       exceptionally. A message too large for the fabric completes with
 *       {@link io.atoll.abi.ErrorCode#ETOOBIG}.
 *   <li>An answer means the remote {@link Inbound} was called exactly once with the message.
 *       EUNREACHABLE after a timeout means "unknown": the message may or may not have been delivered.
 *       Nothing is retried by the transport.
 *   <li>On the receiving node, {@link Inbound#deliver} MUST be called on one thread owned by the
 *       transport, one message at a time, in arrival order; so messages from one sender that waits
 *       for each answer before sending the next are delivered in the order sent.
 *   <li>An {@link Inbound} that throws MUST NOT stop the transport: the sender gets
 *       {@link io.atoll.abi.ErrorCode#EINTERNAL} and the next message is delivered normally.
 *   <li>Futures complete on a transport thread; code chained on them MUST NOT block (use the
 *       {@code *Async} variants to move work elsewhere).
 *   <li>{@link #serve} MUST return only once the fabric routes messages for the node to this
 *       transport; after {@link #close} returns, senders get EUNREACHABLE. {@link #close} MUST be
 *       idempotent and MUST NOT close a shared connection.
 * </ol>
 */
public interface Transport extends AutoCloseable {

    /**
     * What a node does with a message addressed to it: returns {@code >= 0} on success or a negative
     * {@link io.atoll.abi.ErrorCode} code. Called on one fabric thread per node, in arrival order;
     * MUST NOT block.
     */
    @FunctionalInterface
    interface Inbound {
        int deliver(String target, byte[] message);

        /**
         * Like {@link #deliver}, but the answer may come later (e.g. once another node took a
         * message this one must pass on); the sender waits for it. Still called in arrival order,
         * and MUST NOT block. The default answers at once.
         */
        default CompletableFuture<Integer> deliverLater(String target, byte[] message) {
            return CompletableFuture.completedFuture(deliver(target, message));
        }
    }

    /**
     * A control request to a node (migration steps and the like): may take time and carry a
     * body back. Called on a thread of its own per request (it may block).
     */
    @FunctionalInterface
    interface Calls {
        /** Returns the answer body, or throws an {@link io.atoll.abi.AtollException} the caller will see. */
        byte[] handle(String op, byte[] body) throws Exception;
    }

    /** Starts answering control calls addressed to {@code node}; once per transport. */
    void serveCalls(String node, Calls calls);

    /**
     * A control call to {@code node}: completes with its answer body, or exceptionally with an
     * {@link io.atoll.abi.AtollException} carrying the remote error or saying the node cannot be
     * reached (nobody serves it, or no answer within {@code timeout}).
     */
    CompletableFuture<byte[]> call(String node, String op, byte[] body, Duration timeout);

    /** Starts serving messages addressed to {@code node} (this node); once per transport. */
    void serve(String node, Inbound inbound);

    /**
     * Sends {@code message} for {@code target} to {@code node}; completes with the remote Inbound's
     * answer, or with {@code ErrorCode.EUNREACHABLE.code()} if nobody serves that node (no responders),
     * the connection is down, or no answer came within {@code timeout}. Never completes exceptionally.
     */
    CompletableFuture<Integer> send(String node, String target, byte[] message, Duration timeout);

    @Override
    void close();
}
