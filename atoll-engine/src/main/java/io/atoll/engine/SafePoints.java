package io.atoll.engine;

/**
 * Where an atom can be captured with its call stack (manifest {@code safe-points:};
 * docs/migration.md). Without instrumentation an atom is captured between events only.
 */
public enum SafePoints {
    /**
     * The default: {@link #IMPORTS} for loop-style modules, {@link #BETWEEN_EVENTS} for
     * handler-style ones ({@link ModuleStyle}), which gain little from mid-run capture (only while
     * a handler waits in a nested receive) and would pay for it in JIT time.
     */
    AUTO,
    /** Not instrumented: a loop atom cannot be captured while its {@code atoll_main} runs. */
    BETWEEN_EVENTS,
    /** At every {@code atoll.*} import call but exit (receive, send, clock, log...): about 1.0x run time. */
    IMPORTS,
    /** Also at every loop header and function entry: any loop reaches a safe point, at a large run-time cost. */
    ANYWHERE;

    public static SafePoints parse(String s) {
        return switch (s) {
            case "auto" -> AUTO;
            case "between-events" -> BETWEEN_EVENTS;
            case "imports" -> IMPORTS;
            case "anywhere" -> ANYWHERE;
            default -> throw new IllegalArgumentException("safe-points must be auto, imports, anywhere or between-events, not '" + s + "'");
        };
    }

    public String label() {
        return name().toLowerCase().replace('_', '-');
    }
}
