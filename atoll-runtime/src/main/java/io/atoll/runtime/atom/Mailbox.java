package io.atoll.runtime.atom;

import io.atoll.abi.Envelope;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * An atom's bounded queue of messages not yet received. One queue per receiver keeps every
 * sender's messages in the order they were sent, which gives FIFO per sender→receiver pair.
 * Offering never blocks; a full mailbox refuses. It survives restarts of the instance.
 */
public final class Mailbox {
    /** Wakes the owner so it can stop; never handed to the guest. */
    static final Envelope STOP = new Envelope(-1, 0, 0, "", "", new byte[0]);
    /** Asks the owner to capture itself at its next safe point (ahead of waiting messages). */
    static final Envelope CAPTURE = new Envelope(-2, 0, 0, "", "", new byte[0]);

    private final LinkedBlockingDeque<Envelope> queue;
    private final int capacity;

    public Mailbox(int capacity) {
        this.capacity = capacity;
        // offer() keeps to capacity; the deque has room for STOP, CAPTURE and an atom that moved
        // here with a full mailbox plus what its old node forwarded (insertAfter)
        this.queue = new LinkedBlockingDeque<>(2 * capacity + 2);
    }

    private volatile boolean sealed;

    /** @return false if the mailbox is full, or sealed because its atom moved to another node */
    public boolean offer(Envelope e) {
        if (sealed) {
            return false;
        }
        synchronized (this) { // against seal(): nothing may slip in after the last drain
            return !sealed && queue.size() < capacity && queue.offer(e);
        }
    }

    /**
     * Refuses every later offer and returns the messages still waiting, in order: the atom moved,
     * and its node forwards what comes next.
     */
    synchronized List<Envelope> seal() {
        sealed = true;
        return drainMessages();
    }

    public boolean sealed() {
        return sealed;
    }

    Envelope take(long timeoutMs) throws InterruptedException {
        return timeoutMs < 0 ? queue.take() : queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    void stop() {
        queue.offer(STOP);
    }

    /** Puts the capture request first: messages already waiting travel with the snapshot. */
    void requestCapture() {
        queue.offerFirst(CAPTURE);
    }

    /** Withdraws a capture request not taken yet. */
    void cancelCapture() {
        queue.remove(CAPTURE);
    }

    /** Puts messages back in front, in their order (a migration that did not happen). */
    void putBackFirst(List<Envelope> messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            queue.offerFirst(messages.get(i));
        }
    }

    /**
     * Puts {@code messages} after the first {@code k} waiting ones, keeping both orders (an atom
     * that moved here: what its old node forwarded goes behind what travelled with it, ahead of
     * what reached this node directly). Only while nobody takes from the mailbox.
     */
    public synchronized void insertAfter(int k, List<Envelope> messages) {
        List<Envelope> all = drainMessages();
        int cut = Math.min(k, all.size());
        List<Envelope> order = new java.util.ArrayList<>(all.subList(0, cut));
        order.addAll(messages);
        order.addAll(all.subList(cut, all.size()));
        for (Envelope e : order) {
            if (!queue.offer(e)) {
                throw new IllegalStateException("mailbox overflow while inserting moved messages");
            }
        }
    }

    public int size() {
        int n = queue.size();
        if (queue.contains(STOP)) {
            n--;
        }
        if (queue.contains(CAPTURE)) {
            n--;
        }
        return n;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Removes and returns the waiting messages in order; a pending stop request stays. */
    List<Envelope> drainMessages() {
        var out = new java.util.ArrayList<Envelope>();
        queue.drainTo(out);
        boolean stop = out.remove(STOP);
        out.remove(CAPTURE);
        if (stop) {
            queue.offer(STOP);
        }
        return out;
    }

    /** Removes and returns what is left, for failing pending requests when an atom stops. */
    java.util.List<Envelope> drain() {
        var out = new java.util.ArrayList<Envelope>();
        queue.drainTo(out);
        out.remove(STOP);
        out.remove(CAPTURE);
        return out;
    }
}
