package io.atoll.runtime.atom;

import java.util.ArrayList;
import java.util.List;

/** The most recent log lines of the node's atoms (one bounded ring), numbered so readers can follow. */
public final class AtomLog {
    public record Line(long seq, long timeMs, int level, String atom, String text) {}

    private static final int CAPACITY = 10_000;
    private static final int MAX_TEXT = 4096;
    private final Line[] ring = new Line[CAPACITY];
    private long next;

    public synchronized void append(String atom, int level, String text) {
        String t = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "..." : text;
        ring[(int) (next % CAPACITY)] = new Line(next, System.currentTimeMillis(), level, atom, t);
        next++;
    }

    /** Lines with a sequence number greater than {@code after} (-1 = all kept), oldest first. */
    public synchronized List<Line> after(long after) {
        List<Line> out = new ArrayList<>();
        for (long s = Math.max(after + 1, next - CAPACITY); s < next; s++) {
            out.add(ring[(int) (s % CAPACITY)]);
        }
        return out;
    }
}
