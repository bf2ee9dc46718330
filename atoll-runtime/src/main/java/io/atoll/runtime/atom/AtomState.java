package io.atoll.runtime.atom;

/** The life of an atom instance, as shown by {@code atoll ps} and the API. */
public enum AtomState {
    STARTING,
    IDLE,
    RUNNING,
    WAITING,
    HIBERNATED,
    RESTARTING,
    STOPPED,
    FAILED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
