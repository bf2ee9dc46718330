package io.atoll.cli.cluster;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls until a condition holds, within a bound. On failure the message names what was awaited
 * and the last value seen (or what the last sample threw), plus optional extra context (such as
 * log tails) computed only then.
 */
public final class Eventually {
    private static final long POLL_MS = 50;

    private Eventually() {
    }

    /** Samples {@code sample} until {@code ok} accepts a value; returns that value. */
    public static <T> T eventually(String description, Duration timeout, Callable<T> sample, Predicate<? super T> ok) {
        return eventually(description, timeout, sample, ok, () -> "");
    }

    /** A boolean condition (the last value seen is then "false" or what was thrown). */
    public static void eventually(String description, Duration timeout, Callable<Boolean> condition) {
        eventually(description, timeout, condition, Boolean.TRUE::equals);
    }

    static <T> T eventually(String description, Duration timeout, Callable<T> sample, Predicate<? super T> ok,
            Supplier<String> context) {
        long start = System.nanoTime();
        long end = start + timeout.toNanos();
        Object last = "(never sampled)";
        while (true) {
            try {
                T value = sample.call();
                if (ok.test(value)) {
                    return value;
                }
                last = value;
            } catch (Exception e) {
                last = "threw " + e;
            }
            if (System.nanoTime() > end) {
                String extra = context.get();
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + description
                        + "\nlast value seen: " + last + (extra.isEmpty() ? "" : "\n" + extra));
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + description);
            }
        }
    }

    /** How long {@code action} took. */
    public static Duration timed(Runnable action) {
        long t0 = System.nanoTime();
        action.run();
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
