package io.atoll.runtime.messaging;

import io.atoll.abi.Abi;
import io.atoll.abi.Envelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reply addresses ({@code _reply/<node>/<n>}) handed to atoms with HTTP and API requests. The
 * first answer completes the exchange; later ones find nothing. Thread-safe.
 */
public final class Replies {
    private final String prefix;
    private final AtomicLong next = new AtomicLong();
    private final ConcurrentHashMap<String, CompletableFuture<Envelope>> open = new ConcurrentHashMap<>();

    public Replies(String nodeName) {
        this.prefix = Abi.REPLY_PREFIX + nodeName + "/";
    }

    /** Opens an exchange; the caller MUST call {@link #close} when it stops waiting. */
    public String open(CompletableFuture<Envelope> answer) {
        String address = prefix + next.incrementAndGet();
        open.put(address, answer);
        return address;
    }

    public void close(String address) {
        open.remove(address);
    }

    /** @return false if nobody waits on that address any more */
    public boolean complete(String address, Envelope answer) {
        CompletableFuture<Envelope> f = open.remove(address);
        return f != null && f.complete(answer);
    }

    /** Fails an exchange, e.g. because the atom handling the request faulted. */
    public void fail(String address, Throwable cause) {
        CompletableFuture<Envelope> f = open.remove(address);
        if (f != null) {
            f.completeExceptionally(cause);
        }
    }

    public static boolean isReply(String name) {
        return name.startsWith(Abi.REPLY_PREFIX);
    }

    public int pending() {
        return open.size();
    }
}
