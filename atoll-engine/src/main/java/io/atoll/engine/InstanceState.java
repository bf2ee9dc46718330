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
 * @param form how {@code memory} holds the linear memory: {@link #DEFLATED} image, {@link #RAW}
 *     image, or {@link #DELTA}: only the pages that differ from a copy the receiver already has
 *     (pre-copy; see {@link AtomInstance#stagePages})
 */
public record InstanceState(int pages, byte[] memory, long[] globalsLow, long[] globalsHigh, int[][] tables, byte[] result,
        int saveArea, boolean suspended, byte form) {
    public static final byte DEFLATED = 0;
    public static final byte RAW = 1;
    public static final byte DELTA = 2;
    private static final int PAGE = 65536;

    /** A deflated state. */
    public InstanceState(int pages, byte[] memory, long[] globalsLow, long[] globalsHigh, int[][] tables, byte[] result,
            int saveArea, boolean suspended) {
        this(pages, memory, globalsLow, globalsHigh, tables, result, saveArea, suspended, DEFLATED);
    }

    /** A deflated state captured with an empty call stack. */
    public InstanceState(int pages, byte[] memory, long[] globalsLow, long[] globalsHigh, int[][] tables, byte[] result) {
        this(pages, memory, globalsLow, globalsHigh, tables, result, 0, false);
    }

    /** This state with its memory given another way. */
    public InstanceState withMemory(byte form, byte[] memory) {
        return new InstanceState(pages, memory, globalsLow, globalsHigh, tables, result, saveArea, suspended, form);
    }

    /**
     * The pages of {@code now} (a memory of {@code pages} pages) that differ from {@code base}, as
     * a {@link #DELTA}: u32 count, then per page u32 index and its 64 KiB. Pages past the end of
     * {@code base} count as zero there.
     */
    static byte[] delta(byte[] base, com.dylibso.chicory.runtime.Memory now, int pages) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int count = 0;
        byte[] zero = new byte[PAGE];
        out.writeBytes(new byte[4]);
        for (int p = 0; p < pages; p++) {
            byte[] read = now.readBytes(p * PAGE, PAGE);
            int from = p * PAGE;
            boolean same = from + PAGE <= base.length
                    ? java.util.Arrays.equals(read, 0, PAGE, base, from, from + PAGE)
                    : java.util.Arrays.equals(read, zero);
            if (!same) {
                count++;
                out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(p).array());
                out.writeBytes(read);
            }
        }
        byte[] b = out.toByteArray();
        java.nio.ByteBuffer.wrap(b).putInt(count);
        return b;
    }

    /** Writes the pages of a {@link #DELTA} into a memory that holds the base already. */
    static void writeDelta(byte[] delta, com.dylibso.chicory.runtime.Memory memory) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(delta);
        int count = in.getInt();
        for (int i = 0; i < count; i++) {
            int p = in.getInt();
            if (p < 0 || p >= memory.pages()) {
                throw new IllegalStateException("page " + p + " outside a memory of " + memory.pages() + " pages");
            }
            memory.write(p * PAGE, delta, in.position(), PAGE);
            in.position(in.position() + PAGE);
        }
    }

    /** How many pages a {@link #DELTA} carries. */
    public static int deltaPages(byte[] delta) {
        return java.nio.ByteBuffer.wrap(delta).getInt();
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
