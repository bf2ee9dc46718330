package io.atoll.engine;

/** Thrown inside a host call to unwind the guest when it calls {@code exit}. Not an error by itself. */
public final class AtomExit extends RuntimeException {
    private final int code;

    public AtomExit(int code) {
        super("exit " + code, null, false, false);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
