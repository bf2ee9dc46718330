package io.atoll.runtime.app;

import io.atoll.abi.AtollException;

/** The atom handling a request faulted or stopped before answering. */
public final class AtomFailedException extends AtollException {
    private final boolean timedOut;

    public AtomFailedException(String message, boolean timedOut) {
        super(message);
        this.timedOut = timedOut;
    }

    /** True if the atom was stopped for running longer than its limit. */
    public boolean timedOut() {
        return timedOut;
    }
}
