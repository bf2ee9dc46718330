package io.atoll.engine;

/**
 * Thrown by {@link AtomHost#receive} when a capture request woke it: the import unwinds the
 * instrumented instance's call stack instead of returning a message. Carries no stack trace.
 */
public final class CaptureSignal extends RuntimeException {
    public CaptureSignal() {
        super("capture requested", null, false, false);
    }
}
