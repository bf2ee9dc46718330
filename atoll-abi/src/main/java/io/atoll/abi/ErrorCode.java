package io.atoll.abi;

/** The negative codes host functions return to guests (docs/abi.md §6). One table, stable numbers. */
public enum ErrorCode {
    ENOTFOUND(-1, "no such name, key or pending reply"),
    ETIMEOUT(-2, "receive timed out"),
    EFULL(-3, "the receiver's mailbox is full"),
    ETOOBIG(-4, "payload larger than the limit"),
    EINVAL(-5, "malformed argument"),
    EDENIED(-6, "capability not granted by the manifest"),
    EINTERNAL(-7, "the runtime failed; the call may be retried"),
    EUNREACHABLE(-8, "the receiver's node cannot be reached");

    private final int code;
    private final String meaning;

    ErrorCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    public static ErrorCode of(int code) {
        for (ErrorCode e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        throw new IllegalArgumentException("not an Atoll error code: " + code);
    }
}
