package io.atoll.runtime.atom;

import io.atoll.abi.Envelope;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An atom's bounded queue of messages not yet received. One queue per receiver keeps every
 * sender's messages in the order they were sent, which gives FIFO per sender→receiver pair.
 * Offering never blocks; a full mailbox refuses. It survives restarts of the instance.
 */
public final class Mailbox {
    /** Wakes the owner so it can stop; never handed to the guest. */
    static final Envelope STOP = new Envelope(-1, 0, 0, "", "", new byte[0]);

    private final LinkedBlockingQueue<Envelope> queue;
    private final int capacity;

    public Mailbox(int capacity) {
        this.capacity = capacity;
        this.queue = new LinkedBlockingQueue<>(capacity + 1); // +1: room for STOP
    }

    /** @return false if the mailbox is full */
    public boolean offer(Envelope e) {
        return queue.size() < capacity && queue.offer(e);
    }

    Envelope take(long timeoutMs) throws InterruptedException {
        return timeoutMs < 0 ? queue.take() : queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    void stop() {
        queue.offer(STOP);
    }

    public int size() {
        int n = queue.size();
        return queue.contains(STOP) ? n - 1 : n;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Removes and returns what is left, for failing pending requests when an atom stops. */
    java.util.List<Envelope> drain() {
        var out = new java.util.ArrayList<Envelope>();
        queue.drainTo(out);
        out.remove(STOP);
        return out;
    }
}
