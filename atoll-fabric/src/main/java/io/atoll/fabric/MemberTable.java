package io.atoll.fabric;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The view of the other nodes and the failure-detection rule, with no networking and no threads so
 * it can be reasoned about (and tested) alone. Not thread-safe: {@link NatsMembership} only touches
 * it from its single membership thread.
 *
 * <p>Times: decisions use {@code nowNanos} (monotonic, immune to clock jumps); {@code Instant}s are
 * only for showing people when a node was last seen.
 */
final class MemberTable {
    private static final class Entry {
        NodeInfo info;
        String instance;
        Member.State state;
        long lastNanos;
        Instant lastSeen;

        Member toMember() {
            return new Member(info, state, lastSeen);
        }
    }

    private final long downAfterNanos;
    private final Map<String, Entry> entries = new HashMap<>();

    MemberTable(long downAfterNanos) {
        this.downAfterNanos = downAfterNanos;
    }

    /** A heartbeat from another node: it is UP (again), maybe with new info. */
    List<MemberEvent> onHeartbeat(Beat beat, long nowNanos, Instant now) {
        NodeInfo info = beat.node();
        Entry e = entries.get(info.name());
        MemberEvent.Kind kind;
        if (e == null) {
            e = new Entry();
            entries.put(info.name(), e);
            kind = MemberEvent.Kind.UP;
        } else if (e.state == Member.State.DOWN) {
            kind = MemberEvent.Kind.UP;
        } else {
            kind = e.info.equals(info) ? null : MemberEvent.Kind.CHANGED;
        }
        e.info = info;
        e.instance = beat.instance();
        e.state = Member.State.UP;
        e.lastNanos = nowNanos;
        e.lastSeen = now;
        return kind == null ? List.of() : List.of(new MemberEvent(kind, e.toMember()));
    }

    /** A node said goodbye. A leave from an older instance (the node has restarted since) is stale. */
    List<MemberEvent> onLeave(Beat beat, Instant now) {
        Entry e = entries.get(beat.name());
        if (e == null || e.state == Member.State.DOWN || !e.instance.equals(beat.instance())) {
            return List.of();
        }
        e.state = Member.State.DOWN;
        e.lastSeen = now;
        return List.of(new MemberEvent(MemberEvent.Kind.DOWN, e.toMember()));
    }

    /** Marks DOWN every UP node silent for longer than downAfter. Called every sweep period. */
    List<MemberEvent> sweep(long nowNanos) {
        List<MemberEvent> events = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.state == Member.State.UP && nowNanos - e.lastNanos > downAfterNanos) {
                e.state = Member.State.DOWN;
                events.add(new MemberEvent(MemberEvent.Kind.DOWN, e.toMember()));
            }
        }
        events.sort(Comparator.comparing(ev -> ev.member().name()));
        return events;
    }

    boolean isUp(String name) {
        Entry e = entries.get(name);
        return e != null && e.state == Member.State.UP;
    }

    /** Everyone, this node included (it overrides any entry of the same name), sorted by name. */
    List<Member> snapshot(Member self) {
        List<Member> all = new ArrayList<>(entries.size() + 1);
        for (Entry e : entries.values()) {
            if (!e.info.name().equals(self.name())) {
                all.add(e.toMember());
            }
        }
        all.add(self);
        all.sort(Comparator.comparing(Member::name));
        return List.copyOf(all);
    }
}
