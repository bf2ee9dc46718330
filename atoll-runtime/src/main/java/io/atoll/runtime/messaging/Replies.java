package io.atoll.runtime.messaging;

import io.atoll.abi.Abi;
import io.atoll.abi.Envelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reply addresses ({@code _reply/<node>/<n>}) handed to atoms with HTTP and API requests. The
 * first answer completes the exchange; later ones find nothing. Thread-safe.
 */
public final class Replies {
    private final String prefix;
    private final AtomicLong next = new AtomicLong();
    private record Pending(CompletableFuture<Envelope> answer, long deadlineNanos) {}

    private final ConcurrentHashMap<String, Pending> open = new ConcurrentHashMap<>();

    /**
     * The kind of a notice one node sends another when the atom handling that node's request
     * failed: it fails the exchange instead of completing it. Never shown to atoms.
     */
    public static final int KIND_FAILURE = -1;

    public Replies(String nodeName) {
        this.prefix = Abi.REPLY_PREFIX + nodeName + "/";
    }

    /**
     * Opens an exchange that fails with a {@link TimeoutException} once {@code timeoutMs} have
     * passed without an answer ({@link #expire}, from the node's timer, enforces it: one sweep
     * instead of a timer per request).
     */
    public String open(CompletableFuture<Envelope> answer, long timeoutMs) {
        String address = prefix + next.incrementAndGet();
        open.put(address, new Pending(answer, System.nanoTime() + timeoutMs * 1_000_000L));
        return address;
    }

    /** Fails the exchanges whose deadline has passed. */
    public void expire(long nowNanos) {
        for (var e : open.entrySet()) {
            if (nowNanos - e.getValue().deadlineNanos() > 0 && open.remove(e.getKey(), e.getValue())) {
                e.getValue().answer().completeExceptionally(new TimeoutException("no answer in time"));
            }
        }
    }

    public void close(String address) {
        open.remove(address);
    }

    /** @return false if nobody waits on that address any more */
    public boolean complete(String address, Envelope answer) {
        Pending p = open.remove(address);
        return p != null && p.answer().complete(answer);
    }

    /** Fails an exchange, e.g. because the atom handling the request faulted; false if none was open. */
    public boolean fail(String address, Throwable cause) {
        Pending p = open.remove(address);
        return p != null && p.answer().completeExceptionally(cause);
    }

    public static boolean isReply(String name) {
        return name.startsWith(Abi.REPLY_PREFIX);
    }

    /** The node that opened a reply address ({@code _reply/<node>/<n>}). */
    public static String nodeOf(String address) {
        int end = address.lastIndexOf('/');
        return end <= Abi.REPLY_PREFIX.length() ? "" : address.substring(Abi.REPLY_PREFIX.length(), end);
    }

    public int pending() {
        return open.size();
    }
}
