package io.atoll.fabric;

import java.time.Instant;

/**
 * One node as this node currently sees it.
 *
 * @param info     the last announcement received from it
 * @param state    UP while it heartbeats, DOWN after it left or fell silent
 * @param lastSeen when its last message arrived here (local clock)
 */
public record Member(NodeInfo info, State state, Instant lastSeen) {
    public enum State { UP, DOWN }

    public String name() {
        return info.name();
    }

    public boolean isUp() {
        return state == State.UP;
    }
}
