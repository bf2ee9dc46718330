package io.atoll.engine;

/**
 * Where a loop-style atom can be captured with its call stack (manifest {@code safe-points:};
 * docs/migration.md). Handler-style atoms are always captured between events.
 */
public enum SafePoints {
    /** Not instrumented: a loop atom cannot be captured while its {@code atoll_main} runs. */
    BETWEEN_EVENTS,
    /** At every {@code atoll.*} import call but exit (receive, send, clock, log...): about 1.0x run time. */
    IMPORTS,
    /** Also at every loop header and function entry: any loop reaches a safe point, at a large run-time cost. */
    ANYWHERE;

    public static SafePoints parse(String s) {
        return switch (s) {
            case "between-events" -> BETWEEN_EVENTS;
            case "imports" -> IMPORTS;
            case "anywhere" -> ANYWHERE;
            default -> throw new IllegalArgumentException("safe-points must be imports, anywhere or between-events, not '" + s + "'");
        };
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }
}
