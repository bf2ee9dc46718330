package io.atoll.runtime.atom;

/** The life of an atom instance, as shown by {@code atoll ps} and the API. */
public enum AtomState {
    STARTING,
    IDLE,
    RUNNING,
    WAITING,
    HIBERNATED,
    RESTARTING,
    /** Captured at a safe point, waiting for a migration to commit (moves away) or abort (resumes). */
    PAUSED,
    /** Moved to another node; this node forwards what still arrives for it. */
    MOVED,
    STOPPED,
    FAILED;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
