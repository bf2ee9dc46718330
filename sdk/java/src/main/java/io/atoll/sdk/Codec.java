package io.atoll.sdk;

import java.util.ArrayList;
import java.util.List;

/** Little-endian encoding and decoding of the ABI's byte layouts (docs/abi.md §3-§5). */
final class Codec {
    static final byte[] EMPTY = new byte[0];

    private Codec() {
    }

    /**
     * UTF-8 encoding. Hand-written rather than {@code String.getBytes(UTF_8)}: TeaVM's charset
     * machinery would add tens of kilobytes to every module. Unpaired surrogates become {@code ?}.
     */
    static byte[] utf8(String s) {
        if (s == null || s.isEmpty()) {
            return EMPTY;
        }
        int n = s.length();
        int size = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                size++;
            } else if (c < 0x800) {
                size += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                size += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                size++;
            } else {
                size += 3;
            }
        }
        byte[] out = new byte[size];
        int p = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | c >> 6);
                out[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xF0 | cp >> 18);
                out[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[p++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                out[p++] = '?';
            } else {
                out[p++] = (byte) (0xE0 | c >> 12);
                out[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[p++] = (byte) (0x80 | c & 0x3F);
            }
        }
        return out;
    }

    static String string(byte[] b) {
        return string(b, 0, b.length);
    }

    /** UTF-8 decoding; malformed sequences become U+FFFD, as {@code new String(b, UTF_8)} does. */
    static String string(byte[] b, int off, int len) {
        if (len == 0) {
            return "";
        }
        char[] out = new char[len];
        int n = 0;
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                out[n++] = (char) c;
                i++;
                continue;
            }
            int need;
            int cp;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                cp = c & 0x0F;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                cp = c & 0x07;
                min = 0x10000;
            } else {
                out[n++] = '\uFFFD';
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= end || (b[j] & 0xC0) != 0x80) {
                    ok = false;
                    break;
                }
                cp = cp << 6 | (b[j] & 0x3F);
            }
            if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                out[n++] = '\uFFFD';
                i = j;
                continue;
            }
            if (cp >= 0x10000) {
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
            } else {
                out[n++] = (char) cp;
            }
            i = j;
        }
        return new String(out, 0, n);
    }

    static int u32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    static long u64(byte[] b, int off) {
        return (u32(b, off) & 0xFFFFFFFFL) | ((long) u32(b, off + 4)) << 32;
    }

    /** A forward-only reader over a byte array that checks every length against the bounds. */
    static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;

        Reader(byte[] b) {
            this(b, 0, b.length);
        }

        Reader(byte[] b, int off, int len) {
            this.b = b;
            this.pos = off;
            this.end = off + len;
        }

        int u32() {
            need(4);
            int v = Codec.u32(b, pos);
            pos += 4;
            return v;
        }

        int length() {
            int n = u32();
            if (n < 0 || n > end - pos) {
                throw new IllegalArgumentException("malformed data: length " + (n & 0xFFFFFFFFL)
                        + " at offset " + (pos - 4) + " exceeds the " + (end - pos) + " bytes left");
            }
            return n;
        }

        void skip() {
            int n = length(); // not "pos += length()": that reads pos before length() moves it
            pos += n;
        }

        byte[] bytes() {
            int n = length();
            byte[] out = new byte[n];
            System.arraycopy(b, pos, out, 0, n);
            pos += n;
            return out;
        }

        String string() {
            int n = length();
            String s = Codec.string(b, pos, n);
            pos += n;
            return s;
        }

        private void need(int n) {
            if (end - pos < n) {
                throw new IllegalArgumentException("malformed data: truncated at offset " + pos);
            }
        }
    }

    /** A growable little-endian writer. */
    static final class Writer {
        private byte[] b;
        private int pos;

        Writer(int capacity) {
            b = new byte[Math.max(16, capacity)];
        }

        Writer u32(int v) {
            ensure(4);
            b[pos] = (byte) v;
            b[pos + 1] = (byte) (v >>> 8);
            b[pos + 2] = (byte) (v >>> 16);
            b[pos + 3] = (byte) (v >>> 24);
            pos += 4;
            return this;
        }

        Writer u64(long v) {
            u32((int) v);
            return u32((int) (v >>> 32));
        }

        Writer bytes(byte[] data) {
            u32(data.length);
            return raw(data);
        }

        Writer string(String s) {
            return bytes(utf8(s));
        }

        Writer raw(byte[] data) {
            ensure(data.length);
            System.arraycopy(data, 0, b, pos, data.length);
            pos += data.length;
            return this;
        }

        byte[] toByteArray() {
            if (pos == b.length) {
                return b;
            }
            byte[] out = new byte[pos];
            System.arraycopy(b, 0, out, 0, pos);
            return out;
        }

        private void ensure(int n) {
            if (b.length - pos < n) {
                int cap = b.length * 2;
                while (cap - pos < n) {
                    cap *= 2;
                }
                byte[] nb = new byte[cap];
                System.arraycopy(b, 0, nb, 0, pos);
                b = nb;
            }
        }
    }

    /** Splits the {@code \n}-separated name list returned by lookup. */
    static List<String> lines(byte[] data) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == '\n') {
                if (i > start) {
                    out.add(string(data, start, i - start));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
