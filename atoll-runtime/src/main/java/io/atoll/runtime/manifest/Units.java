package io.atoll.runtime.manifest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations ({@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}) and sizes ({@code 64Ki}, {@code 16Mi}, {@code 1Gi}). */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(Ki|Mi|Gi|K|M|G|B)?");

    private Units() {}

    public static long durationMs(String s) {
        if (s.trim().equals("0")) {
            return 0;
        }
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a duration; write e.g. 250ms, 5s, 2m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }

    public static long bytes(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a size; write e.g. 64Ki, 16Mi, 1Gi");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        return switch (unit) {
            case "Ki", "K" -> n << 10;
            case "Mi", "M" -> n << 20;
            case "Gi", "G" -> n << 30;
            default -> n;
        };
    }
}
