package io.atoll.runtime.migration;

import io.atoll.abi.AtollException;
import io.atoll.runtime.app.Definition;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Pre-copy (docs/migration.md, step 0), both sides. The source copies a running atom's memory to
 * the target in rounds of the pages that changed, found by comparing with what it sent; the
 * target writes them into the instance the atom will continue in ({@link Definition#stage}),
 * which {@link Migrator}'s PREPARE then {@link #take}s.
 */
final class PreCopy {
    /** Pre-copy rounds stop when this few pages changed since the last one: they go in the pause. */
    static final int SMALL_ENOUGH_PAGES = 4;
    static final int MAX_ROUNDS = 5;
    /** Pages per PRECOPY call: well under NATS's 1 MiB message limit. */
    static final int PAGES_PER_CALL = 7;
    /** Compressible pages go deflated, up to this many per call (as long as the call stays under 7 pages' size). */
    static final int MAX_DEFLATED_PAGES = 256;
    private static final int PAGE = 65536;

    /** What the target holds after the pre-copy rounds: the image the final delta is taken against. */
    record Copied(byte[] image, int rounds, long bytes) {}

    /** Told of each round's progress: the round and the bytes sent so far. */
    interface Progress {
        void report(int round, long bytes);
    }

    private final NodeCore core;

    PreCopy(NodeCore core) {
        this.core = core;
    }

    /** An atom about to arrive here, its memory being pre-copied into its instance, and when that last happened. */
    private record Staged(Atom atom, long touchedNanos) {}

    private final Map<String, Staged> staged = new ConcurrentHashMap<>();

    /**
     * Copies the running atom's memory to {@code to} in rounds: first every non-zero page, then
     * the pages that changed since the round before, until few change (or it stops shrinking).
     * Returns what the target holds, or null if the atom has no instance to read (hibernated).
     */
    Copied copy(Atom atom, String name, String to, Progress progress) {
        byte[] image = atom.memoryWhileRunning();
        for (int i = 0; image == null && i < 50 && atom.state() == io.atoll.runtime.atom.AtomState.STARTING; i++) {
            sleep(2); // it has just arrived here and is being restored (moved on at once)
            image = atom.memoryWhileRunning();
        }
        if (image == null) {
            return null;
        }
        Definition d = (Definition) atom.context();
        String module = atom.module().hash();
        progress.report(1, 0);
        long bytes = sendPages(name, d.fullName(), module, to, image, changedPages(new byte[0], image), progress, 1, 0);
        int rounds = 1;
        int last = Integer.MAX_VALUE;
        while (rounds < MAX_ROUNDS) {
            byte[] now = atom.memoryWhileRunning();
            if (now == null) {
                break; // the final delta covers what changed
            }
            List<Integer> changed = changedPages(image, now);
            if (changed.size() <= SMALL_ENOUGH_PAGES || changed.size() >= last) {
                break; // small enough for the pause, or a writer as fast as the copy: more rounds do not help
            }
            progress.report(rounds + 1, bytes);
            bytes += sendPages(name, d.fullName(), module, to, now, changed, progress, rounds + 1, bytes);
            image = now;
            last = changed.size();
            rounds++;
        }
        return new Copied(image, rounds, bytes);
    }

    /** Pages of {@code now} that differ from {@code before} (shorter: zero beyond its end); zero pages count as unchanged there. */
    static List<Integer> changedPages(byte[] before, byte[] now) {
        List<Integer> out = new ArrayList<>();
        byte[] zero = new byte[PAGE];
        for (int p = 0; p < now.length / PAGE; p++) {
            int at = p * PAGE;
            boolean same = at + PAGE <= before.length
                    ? java.util.Arrays.equals(now, at, at + PAGE, before, at, at + PAGE)
                    : java.util.Arrays.equals(now, at, at + PAGE, zero, 0, PAGE);
            if (!same) {
                out.add(p);
            }
        }
        return out;
    }

    /** Sends pages of {@code image} in PRECOPY calls; the target's image grows to {@code image}'s size. Returns bytes sent. */
    private long sendPages(String name, String definition, String module, String to, byte[] image, List<Integer> pages,
            Progress progress, int round, long before) {
        long sent = 0;
        int i = 0;
        do { // at least one call, so the target learns the size
            boolean deflate = i < pages.size() && compresses(image, pages.get(i) * PAGE);
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            int n = deflate ? deflatePages(image, pages, i, payload) : Math.min(pages.size() - i, PAGES_PER_CALL);
            if (!deflate) {
                for (int k = i; k < i + n; k++) {
                    payload.write(image, pages.get(k) * PAGE, PAGE);
                }
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream(payload.size() + 4 * n + 256);
            try (DataOutputStream out = new DataOutputStream(b)) {
                out.writeUTF(name);
                out.writeUTF(definition);
                out.writeUTF(module);
                out.writeInt(image.length / PAGE);
                out.writeInt(n);
                for (int k = i; k < i + n; k++) {
                    out.writeInt(pages.get(k));
                }
                out.writeBoolean(deflate);
                payload.writeTo(out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            byte[] body = b.toByteArray();
            Migrator.await(core.cluster().call(to, "migrate.precopy", body), "node " + to);
            sent += body.length;
            progress.report(round, before + sent);
            i += n;
        } while (i < pages.size());
        return sent;
    }

    /** Whether a page looks compressible: its first 4 KiB deflate to under half (cheap to try, unlike random data). */
    private static boolean compresses(byte[] image, int at) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED);
        try {
            d.setInput(image, at, 4096);
            d.finish();
            byte[] out = new byte[4096];
            int n = d.deflate(out);
            return d.finished() && n < 2048;
        } finally {
            d.end();
        }
    }

    /**
     * Deflates pages from {@code from} on into {@code out} until the output nears what one call
     * carries (or {@link #MAX_DEFLATED_PAGES}); returns how many pages it took.
     */
    private static int deflatePages(byte[] image, List<Integer> pages, int from, ByteArrayOutputStream out) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_SPEED);
        byte[] buf = new byte[PAGE];
        int n = 0;
        try {
            while (from + n < pages.size() && n < MAX_DEFLATED_PAGES && out.size() < PAGES_PER_CALL * PAGE) {
                d.setInput(image, pages.get(from + n) * PAGE, PAGE);
                n++;
                int k;
                while ((k = d.deflate(buf, 0, buf.length, java.util.zip.Deflater.SYNC_FLUSH)) > 0) {
                    out.write(buf, 0, k);
                }
            }
            d.finish();
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return n;
        } finally {
            d.end();
        }
    }

    /** Target side of a PRECOPY call: pages into the instance the arriving atom will continue in. */
    void receive(byte[] body) {
        String name;
        String definition;
        String module;
        int pages;
        int[] indexes;
        int[] offsets;
        byte[] data;
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            name = in.readUTF();
            definition = in.readUTF();
            module = in.readUTF();
            pages = in.readInt();
            int count = in.readInt();
            if (count < 0 || count > MAX_DEFLATED_PAGES) {
                throw new AtollException("malformed PRECOPY: " + count + " pages", null);
            }
            indexes = new int[count];
            offsets = new int[count];
            for (int i = 0; i < count; i++) {
                indexes[i] = in.readInt();
                if (indexes[i] < 0 || indexes[i] >= pages) {
                    throw new AtollException("malformed PRECOPY: page " + indexes[i] + " of " + pages, null);
                }
            }
            boolean deflated = in.readBoolean();
            int at = body.length - in.available();
            if (deflated) {
                data = io.atoll.engine.InstanceState.inflate(java.util.Arrays.copyOfRange(body, at, body.length), count * PAGE);
                at = 0;
            } else {
                data = body;
                if (body.length - at != count * PAGE) {
                    throw new AtollException("malformed PRECOPY: " + (body.length - at) + " bytes for " + count + " pages", null);
                }
            }
            for (int i = 0; i < count; i++) {
                offsets[i] = at + i * PAGE;
            }
        } catch (IOException | IllegalStateException e) {
            throw new AtollException("malformed PRECOPY: " + e.getMessage(), null);
        }
        long now = System.nanoTime();
        staged.values().removeIf(old -> now - old.touchedNanos() > TimeUnit.MINUTES.toNanos(2)); // sources that vanished
        Staged held = staged.get(name);
        Atom atom;
        if (held != null) {
            atom = held.atom();
        } else {
            Definition d = Migrator.definition(core, definition);
            atom = d.stage(name, d.module().hash().equals(module) ? d.module() : core.loadModule(module, d));
        }
        atom.stagePages(pages, indexes, data, offsets);
        staged.put(name, new Staged(atom, now));
    }

    /** Whether pages of an atom of that name are being staged here. */
    boolean holds(String name) {
        return staged.containsKey(name);
    }

    /** The staged atom for PREPARE (its memory pre-copied), or an error if there is none for that module. */
    Atom take(String name, String module) {
        Staged st = staged.remove(name);
        if (st == null || !st.atom().module().hash().equals(module)) {
            throw new AtollException("the pre-copied memory of " + name + " is not on node " + core.nodeName(), null);
        }
        return st.atom();
    }

    /** The move was called off: forgets what was staged. */
    void drop(String name) {
        staged.remove(name);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
