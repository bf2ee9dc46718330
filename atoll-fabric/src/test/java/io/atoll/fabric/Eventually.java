package io.atoll.fabric;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** {@code checkFor}: polls a condition until it holds or a bound passes, instead of sleeping blindly. */
final class Eventually {
    private Eventually() {
    }

    /** Returns how long it took; fails with {@code what} if the condition did not hold within {@code timeout}. */
    static Duration checkFor(Duration timeout, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        long end = start + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("not true within " + timeout.toMillis() + " ms: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
    }
}
