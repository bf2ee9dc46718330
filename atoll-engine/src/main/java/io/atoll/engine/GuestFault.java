package io.atoll.engine;

import io.atoll.abi.AtollException;

/**
 * The guest stopped abnormally: it trapped, ran too long, exited with a non-zero code, or the
 * engine failed under it. The instance must not be used again.
 */
public final class GuestFault extends AtollException {
    public enum Kind {
        TRAP,
        TIMEOUT,
        EXIT,
        /** A handler returned a negative ABI code (docs/abi.md §1). */
        ERROR_RETURN,
        STACK_OVERFLOW,
        OUT_OF_MEMORY,
        ENGINE
    }

    private final Kind kind;
    private final int exitCode;

    public GuestFault(Kind kind, String message, int exitCode, Throwable cause) {
        super(message, null, cause);
        this.kind = kind;
        this.exitCode = exitCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The code given to {@code exit} for {@link Kind#EXIT}, else 0. */
    public int exitCode() {
        return exitCode;
    }
}
