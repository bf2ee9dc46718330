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
            return new Out(64 + key.length()).word("put").num(epoch).num(version).word(replyTo).num(correlation)
                    .num(hops).list(stored).word(key).withBody(value);
        }

        static Put decode(byte[] payload) {
            In in = new In(payload);
            if (!in.word().equals("put") || !in.hasBody()) {
                throw new IllegalArgumentException("not a put: " + head(payload));
            }
            return new Put(in.num(), in.num(), in.word(), in.num(), (int) in.num(), in.list(), in.rest(), in.body());
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
            return new Out(48 + key.length()).word("get").num(epoch).word(replyTo).num(correlation).num(hops)
                    .list(visited).word(key).bytes();
        }

        static Get decode(byte[] payload) {
            In in = new In(payload);
            if (!in.word().equals("get")) {
                throw new IllegalArgumentException("not a get: " + head(payload));
            }
            return new Get(in.num(), in.word(), in.num(), (int) in.num(), in.list(), in.rest());
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

    // ---------------------------------------------------------------- reading and writing headers

    /**
     * Writes a header straight into bytes. In Wasm, building headers as Strings (TeaVM formats a
     * long through StringBuilder.insert, and every String is then copied to bytes again) and
     * splitting them into Strings on arrival took a sixth of the kv atoms' time per request:
     * bench/README.md, "bench/kv-guest".
     */
    static final class Out {
        private byte[] buf;
        private int len;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        /**
         * The next word, after a space unless it is the first: ASCII, non-ASCII characters become
         * {@code ?} (keys are checked by the frontend; other words are ours).
         */
        Out word(String s) {
            space();
            raw(s);
            return this;
        }

        Out num(long v) {
            space();
            ensure(20);
            if (v < 0) {
                buf[len++] = '-';
            } else {
                v = -v; // digits from the negative value: Long.MIN_VALUE has no positive counterpart
            }
            int start = len;
            do {
                buf[len++] = (byte) ('0' - (v % 10));
                v /= 10;
            } while (v != 0);
            for (int i = start, j = len - 1; i < j; i++, j--) {
                byte t = buf[i];
                buf[i] = buf[j];
                buf[j] = t;
            }
            return this;
        }

        /** Names joined by commas, {@code -} for none. */
        Out list(List<String> names) {
            if (names.isEmpty()) {
                return word("-");
            }
            space();
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    ensure(1);
                    buf[len++] = ',';
                }
                raw(names.get(i));
            }
            return this;
        }

        /** The header; ends this writer (its buffer may be the result). */
        byte[] bytes() {
            return len == buf.length ? buf : Arrays.copyOf(buf, len);
        }

        /** The header, a newline and {@code body}. */
        byte[] withBody(byte[] body) {
            byte[] out = new byte[len + 1 + body.length];
            System.arraycopy(buf, 0, out, 0, len);
            out[len] = '\n';
            System.arraycopy(body, 0, out, len + 1, body.length);
            return out;
        }

        /** {@code s} with no space before it, one byte per char: non-ASCII characters become {@code ?}. */
        Out raw(String s) {
            ensure(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                buf[len++] = (byte) (c < 0x80 ? c : '?');
            }
            return this;
        }

        /** Bytes as they are, with no space before them (a prefix encoded once). */
        Out raw(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }

        private void space() {
            if (len > 0) {
                ensure(1);
                buf[len++] = ' ';
            }
        }

        private void ensure(int more) {
            if (len + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
            }
        }
    }

    /** Reads a header word by word, without cutting it into Strings first. */
    static final class In {
        private final byte[] b;
        private final int end; // of the header line
        private int pos;

        In(byte[] payload) {
            b = payload;
            int nl = indexOf(payload, (byte) '\n');
            end = nl < 0 ? payload.length : nl;
        }

        String word() {
            int from = start("a word");
            while (pos < end && b[pos] != ' ') {
                pos++;
            }
            String w = text(b, from, pos - from);
            pos++; // the space
            return w;
        }

        long num() {
            int from = start("a number");
            boolean negative = b[pos] == '-';
            if (negative) {
                pos++;
            }
            // Accumulated negative, as Long.parseLong does, so that Long.MIN_VALUE fits.
            long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
            long v = 0;
            int digits = 0;
            for (; pos < end && b[pos] != ' '; pos++, digits++) {
                int d = b[pos] - '0';
                if (d < 0 || d > 9 || v < limit / 10 || v * 10 < limit + d) {
                    throw new IllegalArgumentException("not a number at byte " + from + ": " + head(b));
                }
                v = v * 10 - d;
            }
            if (digits == 0) {
                throw new IllegalArgumentException("not a number at byte " + from + ": " + head(b));
            }
            pos++;
            return negative ? v : -v;
        }

        List<String> list() {
            return parseList(word());
        }

        /** The rest of the header line, spaces included: the key, which comes last. */
        String rest() {
            int from = start("a key");
            pos = end + 1;
            return text(b, from, end - from);
        }

        boolean hasBody() {
            return end < b.length;
        }

        /** The bytes after the header line (empty if there is none). */
        byte[] body() {
            return end < b.length ? Arrays.copyOfRange(b, end + 1, b.length) : new byte[0];
        }

        private int start(String what) {
            if (pos >= end) {
                throw new IllegalArgumentException("missing " + what + " at byte " + pos + ": " + head(b));
            }
            return pos;
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

    /** The bytes after the header line (empty if there is none). */
    static byte[] body(byte[] payload) {
        return new In(payload).body();
    }

    /**
     * Headers are ASCII (keys are URL paths, which are ASCII; the frontend refuses others).
     * Hand-written rather than {@code getBytes(UTF_8)}: TeaVM's charsets would add 50 KB to
     * every module.
     */
    static byte[] ascii(String s) {
        return new Out(s.length()).word(s).bytes();
    }

    static String text(byte[] b, int off, int len) {
        char[] out = new char[len];
        for (int i = 0; i < len; i++) {
            out[i] = (char) (b[off + i] & 0xFF);
        }
        return new String(out);
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
