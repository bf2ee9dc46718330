package io.atoll.runtime.atom;

import io.atoll.abi.Envelope;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
    /** The node's ticker telling an idle owner that its deadline passed ({@link #takeUntil}); stays inside this class. */
    private static final Envelope TICK = new Envelope(-3, 0, 0, "", "", new byte[0]);
    private static final long NO_DEADLINE = Long.MAX_VALUE;
    /** Waits this long or longer are ended by the node's ticker (20 ms period), not by a timer: {@link #await}. */
    static final long TICKED_WAIT_MIN_MS = 200;

    private final LinkedBlockingDeque<Envelope> queue;
    private final int capacity;

    public Mailbox(int capacity) {
        this.capacity = capacity;
        // offer() keeps to capacity; the deque has room for STOP, CAPTURE, TICK and an atom that
        // moved here with a full mailbox plus what its old node forwarded (insertAfter)
        this.queue = new LinkedBlockingDeque<>(2 * capacity + 3);
    }

    private volatile boolean sealed;
    /** When the owner waiting in {@link #takeUntil} wants to be woken without a message; NO_DEADLINE when it does not wait so. */
    private volatile long wakeAt = NO_DEADLINE;
    private final AtomicBoolean tickQueued = new AtomicBoolean();

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

    /** The next envelope, waiting at most {@code timeoutMs} (forever if negative); null when that passed. */
    Envelope take(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        while (true) {
            Envelope e = timeoutMs < 0 ? queue.take() : queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e != TICK) {
                return e;
            }
            tickQueued.set(false); // a late tick, meant for a takeUntil that got a message first
        }
    }

    /**
     * The next envelope, or null once {@code deadlineNanos} ({@link System#nanoTime()}) has passed.
     * Unlike a timed {@link #take}, the owner's virtual thread parks without a timeout, so a message
     * that arrives in time costs no timer: a timed park schedules a task on the JDK's delay scheduler
     * and cancels it, waking that thread twice per message (bench/README.md, "The 0.90 ceiling").
     * The node's ticker wakes the owner once the deadline passed ({@link #wakeIfDue}), up to one
     * tick period late.
     */
    Envelope takeUntil(long deadlineNanos) throws InterruptedException {
        wakeAt = deadlineNanos;
        try {
            while (true) {
                Envelope e = queue.poll(); // a message already waiting: no deadline to watch
                if (e == null) {
                    if (System.nanoTime() - deadlineNanos >= 0) {
                        return null;
                    }
                    e = queue.take();
                }
                if (e != TICK) {
                    return e;
                }
                tickQueued.set(false);
                if (System.nanoTime() - deadlineNanos >= 0) {
                    return null;
                }
            }
        } finally {
            wakeAt = NO_DEADLINE;
        }
    }

    /**
     * Waits up to {@code timeoutMs} (forever if negative) like {@link #take}, but long waits go
     * through {@link #takeUntil}, so they cost no timer. Those may end up to one tick period of the
     * node's ticker (20 ms) late, a tenth of the wait at most; shorter waits keep a precise timer.
     */
    Envelope await(long timeoutMs) throws InterruptedException {
        if (timeoutMs < TICKED_WAIT_MIN_MS) {
            return take(timeoutMs);
        }
        return takeUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    }

    /** From the node's ticker: wakes an owner waiting in {@link #takeUntil} whose deadline passed. */
    public void wakeIfDue(long nowNanos) {
        long at = wakeAt;
        if (at != NO_DEADLINE && nowNanos - at >= 0 && tickQueued.compareAndSet(false, true)) {
            queue.offer(TICK);
        }
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
        for (Envelope sentinel : new Envelope[] {STOP, CAPTURE, TICK}) {
            if (n > 0 && queue.contains(sentinel)) {
                n--;
            }
        }
        return n;
    }

    /** No message waiting (a pending stop or capture request counts as one; a tick does not). */
    public boolean isEmpty() {
        return queue.isEmpty() || (queue.size() == 1 && queue.peek() == TICK);
    }

    /** Removes and returns the waiting messages in order; a pending stop request stays. */
    List<Envelope> drainMessages() {
        var out = new java.util.ArrayList<Envelope>();
        queue.drainTo(out);
        boolean stop = out.remove(STOP);
        out.remove(CAPTURE);
        removeTick(out);
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
        removeTick(out);
        return out;
    }

    private void removeTick(List<Envelope> drained) {
        if (drained.remove(TICK)) {
            tickQueued.set(false);
        }
    }
}
