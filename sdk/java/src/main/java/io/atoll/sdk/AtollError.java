package io.atoll.sdk;

/** The host's error codes (docs/abi.md §6). */
public enum AtollError {
    /** {@code -1}: no such name / key / pending reply. */
    ENOTFOUND(-1),
    /** {@code -2}: {@code receive} timed out. */
    ETIMEOUT(-2),
    /** {@code -3}: the receiver's mailbox is full; the message was not delivered. */
    EFULL(-3),
    /** {@code -4}: payload larger than the limit. */
    ETOOBIG(-4),
    /** {@code -5}: malformed argument (bad UTF-8, bad regex, out-of-bounds pointer, unknown flag). */
    EINVAL(-5),
    /** {@code -6}: the manifest does not grant this capability. */
    EDENIED(-6),
    /** {@code -7}: the runtime failed; the call may be retried. */
    EINTERNAL(-7),
    /** {@code -8}: the receiver's node cannot be reached. */
    EUNREACHABLE(-8),
    /** Any code this SDK does not know. */
    UNKNOWN(Integer.MIN_VALUE);

    private final int code;

    AtollError(int code) {
        this.code = code;
    }

    /** The numeric code as the host returns it (negative). */
    public int code() {
        return code;
    }

    /** The error with that code, or {@link #UNKNOWN}. */
    public static AtollError of(int code) {
        switch (code) {
            case -1: return ENOTFOUND;
            case -2: return ETIMEOUT;
            case -3: return EFULL;
            case -4: return ETOOBIG;
            case -5: return EINVAL;
            case -6: return EDENIED;
            case -7: return EINTERNAL;
            case -8: return EUNREACHABLE;
            default: return UNKNOWN;
        }
    }
}
