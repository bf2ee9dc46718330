package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.atoll.abi.ErrorCode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Transport} on NATS request/reply, over a connection shared with the node's other fabric
 * components.
 *
 * <p>Wire: a message for {@code target} on {@code node} is a request on
 * {@code atoll.node.<node>.deliver} ({@code <node>} escaped as by {@link Subjects#token}), the target
 * in the {@value #TARGET_HEADER} header (escaped as by {@link Subjects#headerValue}), the message as
 * the body. The reply body is the answer, a 4-byte big-endian int.
 *
 * <p>Why request/reply: every send gets an answer or a definite failure. NATS answers a request
 * nobody subscribes to with a "no responders" status at once (jnats completes the future with a
 * {@link JetStreamStatusException}, status 503, because {@code reportNoResponders} is set), which
 * covers an unknown node, a closed one and a cut leaf link, so those cost no timeout.
 *
 * <p>Threading: inbound messages run on one jnats {@link Dispatcher} (one thread, arrival order).
 * Replies complete futures on the connection's reply thread, or on the JDK's delay thread when the
 * timeout fires first: jnats itself only sweeps expired requests every 5 s, so the timeout is
 * enforced here with {@link CompletableFuture#orTimeout}.
 */
public final class NatsTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NatsTransport.class);

    static final String SUBJECT_PREFIX = "atoll.node.";
    static final String SUBJECT_SUFFIX = ".deliver";
    static final String TARGET_HEADER = "Atoll-Target";
    /** Bounds {@link #serve} and {@link #close}: the server confirms a (un)subscription this fast. */
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(2);

    private final Connection nc;
    private Dispatcher dispatcher; // guarded by this
    private volatile boolean closed;

    /** Uses a connection shared with the node's other fabric components; {@link #close} leaves it open. */
    public NatsTransport(Connection nc) {
        this.nc = Objects.requireNonNull(nc, "connection");
    }

    static String subject(String node) {
        return SUBJECT_PREFIX + Subjects.token(node) + SUBJECT_SUFFIX;
    }

    @Override
    public synchronized void serve(String node, Inbound inbound) {
        Objects.requireNonNull(inbound, "inbound");
        String subject = subject(node);
        if (closed) {
            throw new IllegalStateException("the transport is closed");
        }
        if (dispatcher != null) {
            throw new IllegalStateException("this transport already serves a node");
        }
        Dispatcher d = nc.createDispatcher(msg -> onMessage(msg, inbound));
        d.subscribe(subject);
        dispatcher = d;
        // The SUB must reach the server before we return, or a send right after could find no responders.
        flush("serve node " + node);
    }

    @Override
    public CompletableFuture<Integer> send(String node, String target, byte[] message, Duration timeout) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(message, "message");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a send needs a positive timeout, got " + timeout);
        }
        String subject = subject(node);
        if (closed || nc.getStatus() != Connection.Status.CONNECTED) {
            // While reconnecting, jnats would buffer the request and let it time out; say so now.
            return unreachable();
        }
        Headers headers = new Headers().put(TARGET_HEADER, Subjects.headerValue(target));
        CompletableFuture<Message> reply;
        try {
            reply = nc.requestWithTimeout(subject, headers, message, timeout);
        } catch (IllegalArgumentException e) {
            // jnats checks the server's max_payload before sending
            LOG.debug("message for {} on {} not sent: {}", target, node, e.getMessage());
            return CompletableFuture.completedFuture(ErrorCode.ETOOBIG.code());
        } catch (IllegalStateException e) {
            // closed or draining meanwhile, or the reconnect buffer is full
            LOG.debug("message for {} on {} not sent: {}", target, node, e.getMessage());
            return unreachable();
        }
        return reply.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .handle((msg, err) -> err == null ? answerOf(msg, node) : failure(err, node));
    }

    @Override
    public void close() {
        Dispatcher d;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            d = dispatcher;
            dispatcher = null;
            if (callDispatcher != null) {
                try {
                    nc.closeDispatcher(callDispatcher);
                } catch (IllegalStateException e) {
                    LOG.debug("call dispatcher already gone: {}", e.toString());
                }
                callDispatcher = null;
            }
        }
        if (d == null) {
            return;
        }
        try {
            nc.closeDispatcher(d);
            flush("stop serving"); // so senders get "no responders" as soon as we return
        } catch (IllegalStateException | AtollException e) {
            LOG.debug("transport dispatcher already gone: {}", e.toString());
        }
    }

    // --- on the dispatcher thread ---

    private void onMessage(Message msg, Inbound inbound) {
        CompletableFuture<Integer> answer;
        String target = targetOf(msg);
        if (target == null) {
            LOG.warn("dropping a message on {} without a valid {} header", msg.getSubject(), TARGET_HEADER);
            answer = CompletableFuture.completedFuture(ErrorCode.EINVAL.code());
        } else {
            try {
                answer = inbound.deliverLater(target, msg.getData());
            } catch (Throwable t) {
                // Anything, Errors included: a dead dispatcher thread would stop this node receiving
                // without anyone noticing, while the sender can retry an EINTERNAL.
                LOG.error("delivering a message to {} failed", target, t);
                answer = CompletableFuture.completedFuture(ErrorCode.EINTERNAL.code());
            }
        }
        String replyTo = msg.getReplyTo();
        if (replyTo == null) {
            return; // a plain publish: nobody waits for the answer
        }
        answer.whenComplete((code, err) -> {
            int c = err == null && code != null ? code : ErrorCode.EINTERNAL.code();
            if (err != null) {
                LOG.error("delivering a message to {} failed", target, err);
            }
            try {
                nc.publish(replyTo, ByteBuffer.allocate(4).putInt(c).array());
            } catch (IllegalStateException e) {
                LOG.debug("answer for {} not sent: {}", target, e.getMessage());
            }
        });
    }

    // --- control calls ---

    static final String ERROR_HEADER = "Atoll-Error";
    static final String OP_HEADER = "Atoll-Op";
    private Dispatcher callDispatcher; // guarded by this

    static String callSubject(String node) {
        return SUBJECT_PREFIX + Subjects.token(node) + ".call";
    }

    @Override
    public synchronized void serveCalls(String node, Calls calls) {
        Objects.requireNonNull(calls, "calls");
        if (closed) {
            throw new IllegalStateException("the transport is closed");
        }
        if (callDispatcher != null) {
            throw new IllegalStateException("this transport already serves calls");
        }
        Dispatcher d = nc.createDispatcher(msg -> Thread.ofVirtual().name("atoll-call").start(() -> onCall(msg, calls)));
        d.subscribe(callSubject(node));
        callDispatcher = d;
        flush("serve calls for node " + node);
    }

    private void onCall(Message msg, Calls calls) {
        Headers h = msg.getHeaders();
        String op = h == null ? null : h.getFirst(OP_HEADER);
        Headers answer = new Headers();
        byte[] body = new byte[0];
        try {
            if (op == null) {
                throw new AtollException("a control call without an operation", null);
            }
            body = calls.handle(op, msg.getData() == null ? new byte[0] : msg.getData());
        } catch (Throwable t) {
            String why = t instanceof AtollException ? t.getMessage() : t.toString();
            if (!(t instanceof AtollException)) {
                LOG.warn("control call {} failed", op, t);
            }
            answer.put(ERROR_HEADER, Subjects.headerValue(why == null ? t.getClass().getName() : why));
            body = new byte[0];
        }
        if (msg.getReplyTo() != null) {
            try {
                nc.publish(msg.getReplyTo(), answer, body);
            } catch (IllegalStateException | IllegalArgumentException e) {
                LOG.warn("answer to control call {} not sent: {}", op, e.getMessage());
            }
        }
    }

    @Override
    public CompletableFuture<byte[]> call(String node, String op, byte[] body, Duration timeout) {
        if (closed || nc.getStatus() != Connection.Status.CONNECTED) {
            return CompletableFuture.failedFuture(new AtollException("node " + node + " cannot be reached (the fabric is not connected)", null));
        }
        CompletableFuture<Message> reply;
        try {
            reply = nc.requestWithTimeout(callSubject(node), new Headers().put(OP_HEADER, op), body, timeout);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(new AtollException("control call " + op + " to node " + node + " not sent: " + e.getMessage(), null));
        }
        return reply.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((msg, err) -> {
            if (err != null) {
                failure(err, node);
                throw new CompletionException(new AtollException("node " + node + " cannot be reached ("
                        + op + ": no answer)", "is the node up? see: atoll nodes"));
            }
            Headers h = msg.getHeaders();
            String error = h == null ? null : h.getFirst(ERROR_HEADER);
            if (error != null) {
                throw new CompletionException(new AtollException(Subjects.fromHeaderValue(error), null));
            }
            return msg.getData() == null ? new byte[0] : msg.getData();
        });
    }

    private static String targetOf(Message msg) {
        Headers h = msg.getHeaders();
        String raw = h == null ? null : h.getFirst(TARGET_HEADER);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return Subjects.fromHeaderValue(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // --- completing a send ---

    private static int answerOf(Message msg, String node) {
        byte[] data = msg.getData();
        if (data == null || data.length != 4) {
            LOG.warn("node {} answered with {} bytes instead of 4; is it another version?", node,
                    data == null ? 0 : data.length);
            return ErrorCode.EINTERNAL.code();
        }
        return ByteBuffer.wrap(data).getInt();
    }

    private static int failure(Throwable err, String node) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof JetStreamStatusException) {
            LOG.debug("no node {} serves messages (no responders)", node);
        } else if (cause instanceof TimeoutException || cause instanceof CancellationException) {
            LOG.debug("node {} did not answer in time: {}", node, cause.toString());
        } else {
            LOG.warn("sending to node {} failed: {}", node, cause.toString());
        }
        return ErrorCode.EUNREACHABLE.code();
    }

    /** A new future each time: a shared completed one could be altered by a caller (obtrudeValue). */
    private static CompletableFuture<Integer> unreachable() {
        return CompletableFuture.completedFuture(ErrorCode.EUNREACHABLE.code());
    }

    private void flush(String what) {
        try {
            nc.flush(FLUSH_TIMEOUT);
        } catch (TimeoutException e) {
            throw new AtollException("the fabric did not confirm within " + FLUSH_TIMEOUT.toMillis()
                    + " ms (" + what + ")", "check the fabric connection", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtollException("interrupted while waiting for the fabric (" + what + ")");
        }
    }
}
