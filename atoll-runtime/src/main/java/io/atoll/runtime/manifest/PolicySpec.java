package io.atoll.runtime.manifest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reactive scheduling policy (docs/manifest.md): {@code one}, {@code round-robin(N)},
 * {@code on-demand}, {@code on-demand-expire(after: 5s | 100 events)}.
 */
public record PolicySpec(Type type, int instances, long expireAfterMs, int expireAfterEvents) {
    public enum Type { ONE, ROUND_ROBIN, ON_DEMAND, ON_DEMAND_EXPIRE }

    public static final PolicySpec ONE = new PolicySpec(Type.ONE, 1, 0, 0);

    private static final Pattern RR = Pattern.compile("round-robin\\(\\s*(\\d+)\\s*\\)");
    private static final Pattern EXPIRE = Pattern.compile("on-demand-expire\\(\\s*after\\s*:\\s*([^)]+?)\\s*\\)");
    private static final Pattern EVENTS = Pattern.compile("(\\d+)\\s*events?");

    public static PolicySpec parse(String s) {
        String p = s.trim();
        if (p.equals("one")) {
            return ONE;
        }
        if (p.equals("on-demand")) {
            return new PolicySpec(Type.ON_DEMAND, 0, 0, 0);
        }
        Matcher m = RR.matcher(p);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(1));
            if (n < 1 || n > 10_000) {
                throw new IllegalArgumentException("round-robin needs between 1 and 10000 instances, not " + n);
            }
            return new PolicySpec(Type.ROUND_ROBIN, n, 0, 0);
        }
        m = EXPIRE.matcher(p);
        if (m.matches()) {
            Matcher ev = EVENTS.matcher(m.group(1));
            if (ev.matches()) {
                int n = Integer.parseInt(ev.group(1));
                if (n < 1) {
                    throw new IllegalArgumentException("on-demand-expire needs at least 1 event");
                }
                return new PolicySpec(Type.ON_DEMAND_EXPIRE, 0, 0, n);
            }
            return new PolicySpec(Type.ON_DEMAND_EXPIRE, 0, Units.durationMs(m.group(1)), 0);
        }
        throw new IllegalArgumentException("unknown policy '" + s
                + "'; use one, round-robin(N), on-demand, on-demand-expire(after: 5s) or on-demand-expire(after: 100 events)");
    }

    @Override
    public String toString() {
        return switch (type) {
            case ONE -> "one";
            case ROUND_ROBIN -> "round-robin(" + instances + ")";
            case ON_DEMAND -> "on-demand";
            case ON_DEMAND_EXPIRE -> expireAfterEvents > 0
                    ? "on-demand-expire(after: " + expireAfterEvents + " events)"
                    : "on-demand-expire(after: " + expireAfterMs + "ms)";
        };
    }
}
