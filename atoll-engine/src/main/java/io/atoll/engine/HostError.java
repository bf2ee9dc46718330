package io.atoll.engine;

import io.atoll.abi.ErrorCode;

/** Thrown by an {@link AtomHost} method to return an ABI error code to the guest. Cheap: no stack trace. */
public final class HostError extends RuntimeException {
    private final ErrorCode code;
    private final String detail;

    public HostError(ErrorCode code, String detail) {
        super(code.name() + ": " + detail, null, false, false);
        this.code = code;
        this.detail = detail;
    }

    /** What went wrong, in words, without the code name. */
    public String detail() {
        return detail;
    }

    public ErrorCode code() {
        return code;
    }
}
