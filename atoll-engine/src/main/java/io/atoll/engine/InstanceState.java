package io.atoll.engine;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The state of an instance: linear memory (deflated; zero pages cost next to nothing), globals,
 * table entries and the ABI result buffer. Wasm-level, so it is independent of the machine and
 * of the execution mode. Immutable.
 *
 * @param saveArea the address of the page an instrumented instance unwinds its call stack to,
 *     0 if it never did ({@link Asyncify})
 * @param suspended true if it was captured mid-run: its call stack is in the save area and it
 *     resumes with {@link AtomInstance#resumeMain()}; false if captured with an empty call stack
 */
public record InstanceState(int pages, byte[] memory, long[] globalsLow, long[] globalsHigh, int[][] tables, byte[] result,
        int saveArea, boolean suspended) {

    /** A state captured with an empty call stack. */
    public InstanceState(int pages, byte[] memory, long[] globalsLow, long[] globalsHigh, int[][] tables, byte[] result) {
        this(pages, memory, globalsLow, globalsHigh, tables, result, 0, false);
    }

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

    /** Inflates a memory image of {@code rawLength} bytes (public for bench/ measurements). */
    public static byte[] inflate(byte[] packed, int rawLength) {
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
