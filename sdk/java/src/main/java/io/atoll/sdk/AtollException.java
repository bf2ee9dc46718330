package io.atoll.sdk;

/**
 * A host call failed with a negative error code. Unchecked: most atoms let it escape, which ends
 * the handler call (or the loop) as a fault of the atom, with this code.
 */
public class AtollException extends RuntimeException {
    private final int code;

    public AtollException(String operation, int code) {
        super(operation + " failed: " + name(code) + " (" + code + ")");
        this.code = code;
    }

    /** The numeric code (negative), as returned by the host. */
    public int code() {
        return code;
    }

    /** The code as an enum ({@link AtollError#UNKNOWN} for codes this SDK does not know). */
    public AtollError error() {
        return AtollError.of(code);
    }

    /** The code's name, e.g. {@code ENOTFOUND}. */
    public String codeName() {
        return name(code);
    }

    private static String name(int code) {
        AtollError e = AtollError.of(code);
        return e == AtollError.UNKNOWN ? "error" : e.name();
    }

    /** Returns {@code result} if it is not negative, else throws. */
    static int check(int result, String operation) {
        if (result < 0) {
            throw new AtollException(operation, result);
        }
        return result;
    }

    /** Same, naming the call {@code operation(argument)}; the text is only built on failure. */
    static int check(int result, String operation, Object argument) {
        if (result < 0) {
            throw new AtollException(operation + "(" + argument + ")", result);
        }
        return result;
    }
}
