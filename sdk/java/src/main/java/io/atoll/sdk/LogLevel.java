package io.atoll.sdk;

/** Log levels of the {@code log} import. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR;

    /** {@code 0} trace ... {@code 4} error. */
    public int code() {
        return ordinal();
    }
}
