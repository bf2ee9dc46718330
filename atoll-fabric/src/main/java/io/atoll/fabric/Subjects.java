package io.atoll.fabric;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Escaping of user-chosen names (node names, atom names) into the parts of a NATS message where only
 * some characters are allowed. Both escapes are injective, so distinct names never collide.
 */
final class Subjects {
    private Subjects() {
    }

    /**
     * A name as one subject token: characters NATS treats specially ({@code . * >}, whitespace) and
     * everything else outside {@code [a-zA-Z0-9-]}, the escape character {@code _} included, become
     * {@code _XX} (hex of each UTF-8 byte).
     */
    static String token(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a name in a subject must not be empty");
        }
        StringBuilder sb = new StringBuilder(name.length());
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                sb.append((char) c);
            } else {
                sb.append('_').append(hex(c));
            }
        }
        return sb.toString();
    }

    /**
     * A value for a message header: headers carry printable ASCII only, and a server may trim spaces,
     * so bytes outside {@code 0x21..0x7E} and {@code %} itself become {@code %XX}.
     */
    static String headerValue(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%') {
                sb.append((char) c);
            } else {
                sb.append('%').append(hex(c));
            }
        }
        return sb.toString();
    }

    /** The inverse of {@link #headerValue}; a malformed escape throws IllegalArgumentException. */
    static String fromHeaderValue(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length()) {
                    throw new IllegalArgumentException("truncated escape in header value " + value);
                }
                out.write(Integer.parseInt(value, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String hex(int c) {
        return String.format("%02X", c);
    }
}
