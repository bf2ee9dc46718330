package io.atoll.examples.kvstore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The messages between the atoms of the store: one ASCII header line of space-separated words,
 * the key last, then for values a newline and the value's bytes as they are.
 *
 * <pre>
 * put &lt;epoch&gt; &lt;version&gt; &lt;reply-to&gt; &lt;correlation&gt; &lt;hops&gt; &lt;stored&gt; &lt;key&gt;\n&lt;value&gt;
 * get &lt;epoch&gt; &lt;reply-to&gt; &lt;correlation&gt; &lt;hops&gt; &lt;visited&gt; &lt;key&gt;
 * answers: ok &lt;epoch&gt; | val &lt;epoch&gt; &lt;version&gt;\n&lt;value&gt; | miss &lt;epoch&gt; | err &lt;epoch&gt; &lt;why&gt;
 * </pre>
 *
 * <p>A request travels from KVNode to KVNode along the ring, so it carries where the answer goes
 * ({@code reply-to} and {@code correlation}: {@code -} and 0 mean "the sender of this message",
 * which the first KVNode fills in) and which members it has been through ({@code stored} /
 * {@code visited}, comma-separated, {@code -} if none). Its {@code epoch} is that of the newest ring
 * it met: a member with an older ring must not route it (see {@code KvNodeAtom}).
 */
final class Wire {
    private Wire() {
    }

    /** After this many hops a request is answered with an error instead of travelling on. */
    static final int MAX_HOPS = 16;

    /** A put on its way to the key's replicas; each stores it and passes it on until all did. */
    record Put(long epoch, long version, String replyTo, long correlation, int hops, List<String> stored, String key,
            byte[] value) {
        byte[] encode() {
            return withBody("put " + epoch + " " + version + " " + replyTo + " " + correlation + " " + hops + " "
                    + list(stored) + " " + key, value);
        }

        static Put decode(byte[] payload) {
            int nl = indexOf(payload, (byte) '\n');
            String[] f = split(text(payload, 0, nl < 0 ? payload.length : nl), ' ', 8);
            if (f.length != 8 || !f[0].equals("put") || nl < 0) {
                throw new IllegalArgumentException("not a put: " + head(payload));
            }
            return new Put(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], Long.parseLong(f[4]), Integer.parseInt(f[5]),
                    parseList(f[6]), f[7], Arrays.copyOfRange(payload, nl + 1, payload.length));
        }

        /** The same put one hop further, routed with ring {@code epochNow}, after {@code stored} stored it. */
        Put next(long epochNow, List<String> storedNow) {
            return new Put(epochNow, version, replyTo, correlation, hops + 1, storedNow, key, value);
        }

        /** Answers go to the sender of the first message unless the put names somebody else. */
        Put answeringTo(String to, long corr) {
            return replyTo.equals("-") ? new Put(epoch, version, to, corr, hops, stored, key, value) : this;
        }
    }

    /** A get looking for the key, first at its replicas, then where it was before the ring changed. */
    record Get(long epoch, String replyTo, long correlation, int hops, List<String> visited, String key) {
        byte[] encode() {
            return ascii("get " + epoch + " " + replyTo + " " + correlation + " " + hops + " " + list(visited) + " " + key);
        }

        static Get decode(byte[] payload) {
            String[] f = split(text(payload, 0, payload.length), ' ', 7);
            if (f.length != 7 || !f[0].equals("get")) {
                throw new IllegalArgumentException("not a get: " + head(payload));
            }
            return new Get(Long.parseLong(f[1]), f[2], Long.parseLong(f[3]), Integer.parseInt(f[4]), parseList(f[5]), f[6]);
        }

        Get next(long epochNow, List<String> visitedNow) {
            return new Get(epochNow, replyTo, correlation, hops + 1, visitedNow, key);
        }

        Get answeringTo(String to, long corr) {
            return replyTo.equals("-") ? new Get(epoch, to, corr, hops, visited, key) : this;
        }
    }

    // ---------------------------------------------------------------- stored values

    /**
     * A value as a KVNode stores it: the 8-byte version (big-endian), then the bytes. Versions
     * order the writes of a key (last writer wins): a replica keeps the higher one, so copies that
     * arrive late or twice (rebalancing, retries) never undo a newer write.
     */
    record Versioned(long version, byte[] value) {
        byte[] encode() {
            byte[] out = new byte[8 + value.length];
            for (int i = 0; i < 8; i++) {
                out[i] = (byte) (version >>> (56 - 8 * i));
            }
            System.arraycopy(value, 0, out, 8, value.length);
            return out;
        }

        static Versioned decode(byte[] stored) {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (stored[i] & 0xFF);
            }
            return new Versioned(v, Arrays.copyOfRange(stored, 8, stored.length));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The first word of a message: what it is. */
    static String verb(byte[] payload) {
        int end = 0;
        while (end < payload.length && payload[end] != ' ' && payload[end] != '\n') {
            end++;
        }
        return text(payload, 0, end);
    }

    /** The header line (everything before the first newline) split into at most {@code limit} words. */
    static String[] words(byte[] payload, int limit) {
        int nl = indexOf(payload, (byte) '\n');
        return split(text(payload, 0, nl < 0 ? payload.length : nl), ' ', limit);
    }

    /** The bytes after the header line (empty if there is none). */
    static byte[] body(byte[] payload) {
        int nl = indexOf(payload, (byte) '\n');
        return nl < 0 ? new byte[0] : Arrays.copyOfRange(payload, nl + 1, payload.length);
    }

    static byte[] withBody(String header, byte[] body) {
        byte[] h = ascii(header);
        byte[] out = new byte[h.length + 1 + body.length];
        System.arraycopy(h, 0, out, 0, h.length);
        out[h.length] = '\n';
        System.arraycopy(body, 0, out, h.length + 1, body.length);
        return out;
    }

    /**
     * Headers are ASCII (keys are URL paths, which are ASCII; the frontend refuses others).
     * Hand-written rather than {@code getBytes(UTF_8)}: TeaVM's charsets would add 50 KB to
     * every module.
     */
    static byte[] ascii(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < out.length; i++) {
            char c = s.charAt(i);
            out[i] = (byte) (c < 0x80 ? c : '?');
        }
        return out;
    }

    static String text(byte[] b, int off, int len) {
        char[] out = new char[len];
        for (int i = 0; i < len; i++) {
            out[i] = (char) (b[off + i] & 0xFF);
        }
        return new String(out);
    }

    static String list(List<String> names) {
        return names.isEmpty() ? "-" : String.join(",", names);
    }

    static List<String> parseList(String s) {
        List<String> out = new ArrayList<>();
        if (!s.equals("-")) {
            out.addAll(Arrays.asList(split(s, ',', 0)));
        }
        return out;
    }

    /**
     * {@code s} cut at every {@code sep}, into at most {@code limit} parts (0: no limit; the last
     * part keeps the rest). Not {@code String.split}: its regular expressions would triple the
     * size of the module.
     */
    static String[] split(String s, char sep, int limit) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        for (int i; (limit == 0 || parts.size() < limit - 1) && (i = s.indexOf(sep, from)) >= 0; from = i + 1) {
            parts.add(s.substring(from, i));
        }
        parts.add(s.substring(from));
        return parts.toArray(new String[parts.size()]); // sized: TeaVM makes a String[0] one reflectively
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static String head(byte[] payload) {
        return text(payload, 0, Math.min(payload.length, 60));
    }
}
