package io.atoll.bench;

/**
 * Benchmark servers stop by themselves: even if the script that started them is killed without
 * running its clean-up, they exit after at most their lifetime.
 */
final class Lifetime {
    private Lifetime() {
    }

    /** Exits the JVM (running shutdown hooks) after {@code seconds}; 0 or less = never. */
    static void limit(long seconds, String who) {
        if (seconds <= 0) {
            return;
        }
        Thread.ofPlatform().daemon().name("bench-lifetime").start(() -> {
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println(who + ": lifetime of " + seconds + " s is over, exiting");
            System.exit(0);
        });
    }

    /** The optional second argument: maximum lifetime in seconds (default 900). */
    static long fromArgs(String[] args) {
        return args.length > 1 ? Long.parseLong(args[1]) : 900;
    }
}
