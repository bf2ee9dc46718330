package io.atoll.sdk;

/** How {@link Names#lookup} matches its query (docs/abi.md §2, {@code lookup}). */
public enum LookupMode {
    /** {@code 0}: the name itself, if it exists. */
    EXACT(0),
    /** {@code 1}: names starting with the query. */
    PREFIX(1),
    /** {@code 2}: instances holding the alias. */
    ALIAS(2),
    /** {@code 3}: names fully matching a Java regular expression. */
    REGEX(3);

    private final int code;

    LookupMode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
