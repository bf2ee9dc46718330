package io.atoll.engine;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The state of an instance with an empty call stack: linear memory (deflated; zero pages cost
 * next to nothing), globals, table entries and the ABI result buffer. Wasm-level, so it is
 * independent of the machine and of the execution mode. Immutable.
 */
public record InstanceState(int pages, byte[] memory, long[] globalsLow, long[] globalsHigh, int[][] tables, byte[] result) {

    /** Bytes this state occupies (what a hibernated atom costs, roughly). */
    public long sizeBytes() {
        long n = memory.length + result.length + 16L * globalsLow.length;
        for (int[] t : tables) {
            n += 4L * t.length;
        }
        return n;
    }

    static byte[] deflate(byte[] raw) {
        return deflate(raw, Deflater.BEST_SPEED);
    }

    /** Deflates as a memory image is stored, at a given level (public for bench/ measurements). */
    public static byte[] deflate(byte[] raw, int level) {
        Deflater d = new Deflater(level);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 16));
            byte[] buf = new byte[64 * 1024];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** First byte of a memory image stored as a page list (a zlib stream starts with 0x78). */
    static final byte PAGE_LIST = 'P';
    private static final int PAGE = 65536;
    private static final byte[] ZERO_PAGE = new byte[PAGE];

    /**
     * A memory image as a page list: {@code 'P'}, u32 count, then per non-zero page its u32 index
     * and its 64 KiB. Much faster than deflate (no compression of the pages that are used) while
     * zero pages still cost nothing: what a migration sends while its atom is paused.
     */
    static byte[] pageList(byte[] raw) {
        int pages = raw.length / PAGE;
        int used = 0;
        for (int p = 0; p < pages; p++) {
            if (java.util.Arrays.mismatch(raw, p * PAGE, (p + 1) * PAGE, ZERO_PAGE, 0, PAGE) >= 0) {
                used++;
            }
        }
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(5 + used * (4 + PAGE));
        out.put(PAGE_LIST).putInt(used);
        for (int p = 0; p < pages; p++) {
            if (java.util.Arrays.mismatch(raw, p * PAGE, (p + 1) * PAGE, ZERO_PAGE, 0, PAGE) >= 0) {
                out.putInt(p).put(raw, p * PAGE, PAGE);
            }
        }
        return out.array();
    }

    /**
     * The memory image of {@code rawLength} bytes, from either encoding (a zlib stream or a page
     * list); public for bench/ measurements.
     */
    public static byte[] inflate(byte[] packed, int rawLength) {
        if (packed.length > 0 && packed[0] == PAGE_LIST) {
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(packed, 1, packed.length - 1);
            byte[] raw = new byte[rawLength];
            int used = in.getInt();
            for (int i = 0; i < used; i++) {
                int p = in.getInt();
                if (p < 0 || (long) (p + 1) * PAGE > rawLength) {
                    throw new IllegalStateException("memory image names page " + p + " beyond " + rawLength + " bytes");
                }
                in.get(raw, p * PAGE, PAGE);
            }
            return raw;
        }
        Inflater i = new Inflater();
        try {
            i.setInput(packed);
            byte[] raw = new byte[rawLength];
            int n = 0;
            while (n < rawLength && !i.finished()) {
                n += i.inflate(raw, n, rawLength - n);
            }
            if (n != rawLength) {
                throw new IllegalStateException("memory image is " + n + " bytes, expected " + rawLength);
            }
            return raw;
        } catch (DataFormatException e) {
            throw new IllegalStateException("corrupt memory image", e);
        } finally {
            i.end();
        }
    }
}
