package io.atoll.abi;

/**
 * The root of every error Atoll reports. Subclasses are named for what the caller must do;
 * {@link #hint()} is a short suggestion shown to people (CLI, API error bodies).
 */
public class AtollException extends RuntimeException {
    private final String hint;

    public AtollException(String message) {
        this(message, null, null);
    }

    public AtollException(String message, String hint) {
        this(message, hint, null);
    }

    public AtollException(String message, String hint, Throwable cause) {
        super(message, cause);
        this.hint = hint;
    }

    /** A suggestion of what to do next, or null. */
    public String hint() {
        return hint;
    }
}
