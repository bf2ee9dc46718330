package io.atoll.runtime.atom;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.abi.Envelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The untimed idle wait ({@code takeUntil}) and the ticks that end it never show as messages. */
class MailboxTest {
    private static final long MS = 1_000_000L;

    private static Envelope message(String text) {
        return new Envelope(0, 0, 0, "s", "", text.getBytes());
    }

    @Test
    void aMessageBeforeTheDeadlineIsTaken() throws Exception {
        Mailbox box = new Mailbox(8);
        CompletableFuture<Envelope> taken = waitUntil(box, System.nanoTime() + 10_000 * MS);
        Envelope m = message("a");
        assertThat(box.offer(m)).isTrue();
        assertThat(taken.get(5, TimeUnit.SECONDS)).isSameAs(m);
    }

    @Test
    void theTickerEndsTheWaitOnlyOnceTheDeadlinePassed() throws Exception {
        Mailbox box = new Mailbox(8);
        long deadline = System.nanoTime() + 200 * MS;
        CompletableFuture<Envelope> taken = waitUntil(box, deadline);
        Thread.sleep(50);
        box.wakeIfDue(System.nanoTime()); // not due yet: no tick
        assertThat(taken).isNotDone();
        long until = System.nanoTime() + 5_000 * MS;
        while (!taken.isDone() && System.nanoTime() < until) { // the node's ticker, every 20 ms
            box.wakeIfDue(System.nanoTime());
            Thread.sleep(20);
        }
        assertThat(taken.get(1, TimeUnit.SECONDS)).isNull();
        assertThat(System.nanoTime() - deadline).isGreaterThanOrEqualTo(0);
        assertThat(box.isEmpty()).isTrue();
    }

    @Test
    void aPassedDeadlineReturnsAtOnceWhenNothingWaits() throws Exception {
        Mailbox box = new Mailbox(8);
        assertThat(box.takeUntil(System.nanoTime() - MS)).isNull();
        Envelope m = message("b");
        box.offer(m);
        assertThat(box.takeUntil(System.nanoTime() - MS)).isSameAs(m); // a waiting message still comes first
    }

    @Test
    void aTickBeforeTheDeadlineDoesNotEndTheWait() throws Exception {
        Mailbox box = new Mailbox(8);
        CompletableFuture<Envelope> taken = waitUntil(box, System.nanoTime() + 10_000 * MS);
        Thread.sleep(50);
        box.wakeIfDue(System.nanoTime() + 20_000 * MS); // a ticker whose clock is ahead: the waiter checks its own
        Thread.sleep(50);
        assertThat(taken).isNotDone();
        Envelope m = message("c");
        box.offer(m);
        assertThat(taken.get(5, TimeUnit.SECONDS)).isSameAs(m);
        box.wakeIfDue(Long.MAX_VALUE - 1); // nobody waits in takeUntil now: no tick
        assertThat(box.isEmpty()).isTrue();
        assertThat(box.take(0)).isNull();
    }

    @Test
    void aTickThatLandsBehindAMessageIsInvisible() throws Exception {
        Mailbox box = new Mailbox(8);
        long deadline = System.nanoTime() + 50 * MS;
        CompletableFuture<Envelope> taken = waitUntil(box, deadline);
        Thread.sleep(100);
        // the deadline passed while the waiter sleeps: a message and the ticker arrive together, so
        // (nearly always) the tick lands behind the message the waiter takes, and stays queued
        Envelope m = message("d");
        box.offer(m);
        box.wakeIfDue(System.nanoTime());
        assertThat(taken.get(5, TimeUnit.SECONDS)).isSameAs(m);
        assertThat(box.size()).isZero();
        assertThat(box.isEmpty()).isTrue();
        assertThat(box.take(0)).isNull();
        Envelope o = message("e");
        box.offer(o);
        assertThat(box.drainMessages()).containsExactly(o);
    }

    private interface Wait {
        Envelope take() throws InterruptedException;
    }

    /** {@code wait} on another thread, as the atom's thread does. */
    private static CompletableFuture<Envelope> async(Wait wait) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return wait.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static CompletableFuture<Envelope> waitUntil(Mailbox box, long deadlineNanos) {
        return async(() -> box.takeUntil(deadlineNanos));
    }

    @Test
    void sizeEmptinessAndDrainingIgnoreATick() throws Exception {
        Mailbox box = new Mailbox(8);
        CompletableFuture<Envelope> taken = waitUntil(box, System.nanoTime() + 30 * MS);
        Thread.sleep(60);
        box.wakeIfDue(System.nanoTime());
        assertThat(taken.get(5, TimeUnit.SECONDS)).isNull();
        Envelope m = message("f");
        box.offer(m);
        assertThat(box.size()).isEqualTo(1);
        assertThat(box.drain()).containsExactly(m);
        assertThat(box.isEmpty()).isTrue();
    }

    @Test
    void shortWaitsKeepAPreciseTimerAndLongOnesEndOnATick() throws Exception {
        Mailbox box = new Mailbox(8);
        long t0 = System.nanoTime();
        assertThat(box.await(30)).isNull(); // under TICKED_WAIT_MIN_MS: a timer, nobody ticks here
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(30 * MS);

        CompletableFuture<Envelope> taken = async(() -> box.await(Mailbox.TICKED_WAIT_MIN_MS));
        Thread.sleep(Mailbox.TICKED_WAIT_MIN_MS + 100);
        assertThat(taken).isNotDone(); // no timer: only a tick ends it
        box.wakeIfDue(System.nanoTime());
        assertThat(taken.get(5, TimeUnit.SECONDS)).isNull();
    }
}
