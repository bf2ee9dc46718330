package io.atoll.bench;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

/**
 * bench/migration's in-process baseline: how fast this machine does, on one thread, the per-byte
 * work a stop-and-copy migration puts in the pause, on a buffer like an atom's memory (pseudo-random
 * bytes, or one constant byte): deflate as {@code InstanceState.deflate} does it (level 1,
 * {@code BEST_SPEED}), deflate level 0 (stored blocks: what sending raw bytes in the same format
 * costs), inflate, SHA-256 (the object store path hashes a snapshot several times), CRC-32C
 * (the snapshot's checksum) and a plain copy.
 *
 * <p>Usage: {@code CodecBaseline [MIB]} (default 16); prints one line per operation and content,
 * {@code codec OP CONTENT mb_per_s=<median of 5> out_bytes=<N>}.
 */
public final class CodecBaseline {
    private CodecBaseline() {
    }

    /** Keeps results alive so the JIT cannot drop the work. */
    static volatile long sink;

    interface Op {
        int run(byte[] in) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        byte[] random = new byte[mib << 20];
        new SplittableRandom(42).nextBytes(random);
        byte[] constant = new byte[mib << 20];
        Arrays.fill(constant, (byte) 0x5a);
        for (String content : new String[] {"random", "const"}) {
            byte[] data = content.equals("random") ? random : constant;
            byte[] packed1 = deflate(data, Deflater.BEST_SPEED);
            byte[] packed0 = deflate(data, Deflater.NO_COMPRESSION);
            measure("deflate-level1", content, data, d -> deflate(d, Deflater.BEST_SPEED).length);
            measure("deflate-level0", content, data, d -> deflate(d, Deflater.NO_COMPRESSION).length);
            measure("inflate-level1", content, data, d -> inflate(packed1, d.length));
            measure("inflate-level0", content, data, d -> inflate(packed0, d.length));
            measure("sha256", content, data, d -> MessageDigest.getInstance("SHA-256").digest(d).length);
            measure("crc32c", content, data, d -> {
                CRC32C c = new CRC32C();
                c.update(d);
                sink ^= c.getValue();
                return 4;
            });
            measure("copy", content, data, d -> d.clone().length);
        }
    }

    private static void measure(String op, String content, byte[] data, Op f) throws Exception {
        double[] mbs = new double[5];
        int out = 0;
        f.run(data); // warm-up
        for (int i = 0; i < mbs.length; i++) {
            long t0 = System.nanoTime();
            out = f.run(data);
            mbs[i] = data.length / 1e6 / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(mbs);
        System.out.printf(Locale.ROOT, "codec %s %s mb_per_s=%.0f out_bytes=%d%n", op, content, mbs[2], out);
    }

    static byte[] deflate(byte[] raw, int level) {
        return io.atoll.engine.InstanceState.deflate(raw, level);
    }

    static int inflate(byte[] packed, int rawLength) {
        return io.atoll.engine.InstanceState.inflate(packed, rawLength).length;
    }
}
