package io.atoll.runtime.migration;

import io.atoll.abi.AtollException;
import io.atoll.abi.Envelope;
import io.atoll.engine.InstanceState;
import io.atoll.runtime.app.Application;
import io.atoll.runtime.app.Definition;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.cluster.Cluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves atoms between nodes at a safe point (docs/migration.md): memory first copied while the
 * atom runs ({@link PreCopy}), then the rest during a short pause.
 * The source drives; the directory's compare-and-set is the commit point, so an atom runs on
 * exactly one node whatever fails:
 *
 * <ol>
 *   <li>the source captures the atom between two events; it pauses there, messages queue up;
 *   <li>PREPARE: the target restores it paused (its name answers there, nothing runs yet);
 *   <li>COMMIT: the source moves the name to the target in the directory (compare-and-set); if
 *       that fails, both sides abort and the atom resumes on the source with all its messages;
 *   <li>the source seals the atom's mailbox and forwards what arrived while paused, and
 *       everything that still comes, to the target (senders wait for the target's answer, so
 *       FIFO order holds);
 *   <li>GO: the target puts those messages behind the ones that travelled with the snapshot and
 *       resumes the atom. If GO is lost, the target asks the directory: its own name means
 *       committed (it resumes), otherwise it drops its paused copy.
 * </ol>
 */
public final class Migrator {
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    static final long CAPTURE_TIMEOUT_MS = 20_000;
    /** How many nodes a migrate request may be passed along before the atom's node is found. */
    static final int MAX_HOPS = 4;
    /**
     * Snapshots up to this size travel inside the PREPARE call (NATS max_payload is 1 MiB by
     * default); larger ones through the object store. System property
     * {@code atoll.migration.inline-limit} overrides it (tests use it to force the object store).
     */
    static final int INLINE_LIMIT = 512 * 1024;
    private static final String BLOB = "blob:sha256:";

    private static boolean isBlob(byte[] body) {
        byte[] prefix = BLOB.getBytes(StandardCharsets.US_ASCII);
        return body.length == prefix.length + 64 && java.util.Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
    }
    static final long GO_TIMEOUT_MS = 10_000;

    private final NodeCore core;
    /** Atoms prepared here, waiting for GO: name -> what they need to resume. */
    private final Map<String, Adoption> adopting = new ConcurrentHashMap<>();
    /** Pre-copy, both as the source of a move and as its target. */
    private final PreCopy preCopies;

    /** {@code id}: this adoption, so the GO timer holds a number, not the atom and its state. */
    private record Adoption(long id, Definition definition, Atom atom, Snapshot snapshot) {}

    private final java.util.concurrent.atomic.AtomicLong adoptions = new java.util.concurrent.atomic.AtomicLong();

    /** What one migration did, for the caller (API, CLI). */
    public record Report(String atom, String from, String to, double downtimeMs, double totalMs, long bytes, int rounds) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("atom", atom);
            m.put("from", from);
            m.put("to", to);
            m.put("downtimeMs", Math.round(downtimeMs * 100) / 100.0);
            m.put("totalMs", Math.round(totalMs * 100) / 100.0);
            m.put("bytes", bytes);
            m.put("preCopyRounds", rounds);
            return m;
        }
    }

    /**
     * Where a move driven by this node is (for {@code GET /api/v1/atoms/{name}}, so the CLI can
     * show progress): {@code phase} is pre-copy, capture, prepare, commit or resume.
     */
    public record Progress(String to, String phase, int round, long bytes, long memoryBytes) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("to", to);
            m.put("phase", phase);
            m.put("round", round);
            m.put("bytes", bytes);
            m.put("memoryBytes", memoryBytes);
            return m;
        }
    }

    private final Map<String, Progress> moving = new ConcurrentHashMap<>();

    /** The move of {@code name} this node drives right now, if any. */
    public java.util.Optional<Progress> progress(String name) {
        return java.util.Optional.ofNullable(moving.get(name));
    }

    private void progress(String name, String to, String phase, int round, long bytes, Atom atom) {
        moving.put(name, new Progress(to, phase, round, bytes, atom.memoryBytes()));
    }

    public Migrator(NodeCore core) {
        this.core = core;
        this.preCopies = new PreCopy(core);
    }

    /**
     * Moves {@code name} to node {@code to}; blocks until done. If the atom runs on another node,
     * that node is asked to move it. Throws {@link AtollException} with the reason when the move
     * does not happen; the atom then keeps running where it was.
     */
    public Report migrate(String name, String to) {
        return migrate(name, to, true);
    }

    /**
     * As {@link #migrate(String, String)}; with {@code preCopy} the atom's memory is copied to the
     * target while it runs, in rounds, and the pause carries only the pages that changed since
     * (docs/migration.md); without, the whole memory is captured and sent during the pause.
     */
    public Report migrate(String name, String to, boolean preCopy) {
        return migrate(name, to, preCopy, 0);
    }

    /** {@code hops}: how many nodes passed the request on already (views of the owner may lag). */
    private Report migrate(String name, String to, boolean preCopy, int hops) {
        boolean[] mine = new boolean[1]; // whether this call registered the move (and must forget it)
        try {
            return migrateOnce(name, to, preCopy, hops, mine);
        } finally {
            if (mine[0]) {
                moving.remove(name);
            }
        }
    }

    private Report migrateOnce(String name, String to, boolean preCopy, int hops, boolean[] mine) {
        Cluster cluster = core.cluster();
        String self = core.nodeName();
        if (cluster == Cluster.ALONE) {
            throw new AtollException("this node runs alone: there is no node " + to + " to move " + name + " to",
                    "start nodes with --fabric to form a cluster");
        }
        Atom atom = core.directory().get(name);
        if (atom != null && atom.movedTo() != null) {
            atom = null; // it just left
        }
        if (atom == null) {
            String moved = core.movedTo(name); // fresher than the directory's copy right after a move
            String owner = moved != null ? moved : cluster.nodeOf(name).filter(o -> !o.equals(self))
                    .orElseThrow(() -> new AtollException("no atom named " + name + " runs in the cluster",
                            "names are app/definition/instance; list them with: atoll ps"));
            // Asked even when it is the target: this node's view may lag, and that node knows (it
            // passes the request on along its own forwarding pointer if the atom left it).
            if (hops >= MAX_HOPS) {
                throw new AtollException("cannot find the node that runs " + name + " (asked " + hops + " nodes)", "try again");
            }
            byte[] answer = await(cluster.call(owner, "migrate.start",
                    (name + "\n" + to + "\n" + preCopy + "\n" + (hops + 1)).getBytes(StandardCharsets.UTF_8)), "node " + owner);
            return decodeReport(answer);
        }
        if (to.equals(self)) {
            throw new AtollException(name + " already runs on node " + to, null);
        }
        long t0 = System.nanoTime();
        PreCopy.Copied copied = null;
        if (moving.putIfAbsent(name, new Progress(to, "start", 0, 0, atom.memoryBytes())) != null) {
            throw new AtollException(name + " is being moved already", "wait for that move to end");
        }
        mine[0] = true;
        if (preCopy) {
            try {
                Atom moving = atom;
                copied = preCopies.copy(atom, name, to, (round, sent) -> progress(name, to, "pre-copy", round, sent, moving));
            } catch (AtollException e) {
                cluster.call(to, "migrate.abort", name.getBytes(StandardCharsets.UTF_8));
                throw new AtollException("moving " + name + " to " + to + " failed, it keeps running on " + self + ": "
                        + e.getMessage(), e.hint());
            }
        }
        Atom.Captured captured;
        long precopied = copied == null ? 0 : copied.bytes();
        progress(name, to, "capture", copied == null ? 0 : copied.rounds(), precopied, atom);
        try {
            captured = atom.requestCapture(copied == null ? null : copied.image()).get(CAPTURE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            atom.abortMove();
            dropPreCopy(to, name, copied != null);
            throw new AtollException(name + " did not reach a safe point within " + CAPTURE_TIMEOUT_MS / 1000
                    + " s (a handler still running); it keeps running on " + self, "try again when it is idle");
        } catch (ExecutionException e) {
            atom.abortMove();
            dropPreCopy(to, name, copied != null);
            throw new AtollException("cannot capture " + name + ": " + e.getCause().getMessage() + "; it keeps running on " + self, null);
        } catch (InterruptedException e) {
            atom.abortMove();
            dropPreCopy(to, name, copied != null);
            Thread.currentThread().interrupt();
            throw new AtollException("interrupted while capturing " + name, null);
        }
        long paused = captured.pausedAtNanos(); // the atom stopped taking events then
        long capturedAt = System.nanoTime();
        Definition d = (Definition) atom.context();
        Snapshot snapshot = new Snapshot(name, d.fullName(), atom.module().hash(), captured, d.aliasesOf(atom));
        byte[] bytes = snapshot.encode();
        long preparedAt;
        progress(name, to, "prepare", copied == null ? 0 : copied.rounds(), precopied + bytes.length, atom);
        try {
            byte[] prepare = bytes;
            if (bytes.length > Integer.getInteger("atoll.migration.inline-limit", INLINE_LIMIT)) { // over what one fabric message carries: through the object store
                String hash = io.atoll.engine.WasmEngine.sha256(bytes);
                cluster.putBlob(hash, bytes);
                prepare = (BLOB + hash).getBytes(StandardCharsets.UTF_8);
            }
            await(cluster.call(to, "migrate.prepare", prepare), "node " + to);
            preparedAt = System.nanoTime();
        } catch (AtollException e) {
            atom.abortMove();
            dropPreCopy(to, name, copied != null);
            throw new AtollException("moving " + name + " to " + to + " failed, it keeps running on " + self + ": "
                    + e.getMessage(), e.hint());
        }
        boolean committed;
        long committedAt;
        progress(name, to, "commit", copied == null ? 0 : copied.rounds(), precopied + bytes.length, atom);
        try {
            committed = cluster.moveName(name, self, to);
            committedAt = System.nanoTime();
        } catch (RuntimeException e) {
            committed = false;
            committedAt = System.nanoTime();
            LOG.warn("commit of {} to {} failed: {}", name, to, e.getMessage());
        }
        if (!committed) {
            cluster.call(to, "migrate.abort", name.getBytes(StandardCharsets.UTF_8));
            atom.abortMove();
            throw new AtollException("moving " + name + " to " + to + " failed, it keeps running on " + self
                    + ": the directory did not accept the change of owner", "try again");
        }
        core.movedAway(name, to);
        List<Envelope> late;
        try {
            late = atom.commitMove(to);
        } catch (IllegalStateException e) { // resumed here meanwhile (pause ran out): undo the commit
            cluster.moveName(name, to, self);
            cluster.call(to, "migrate.abort", name.getBytes(StandardCharsets.UTF_8));
            throw new AtollException("moving " + name + " to " + to + " failed, it keeps running on " + self
                    + ": " + e.getMessage(), null);
        }
        core.left(atom);
        progress(name, to, "resume", copied == null ? 0 : copied.rounds(), precopied + bytes.length, atom);
        try {
            if (Boolean.getBoolean("atoll.migration.test.lose-go")) { // fault injection for tests: GO lost on the way
                throw new AtollException("GO lost (test)", null);
            }
            await(cluster.call(to, "migrate.go", go(name, late)), "node " + to);
        } catch (AtollException e) {
            // committed: the target resumes by itself when it sees the directory (or fails over)
            LOG.warn("GO for {} to {} not confirmed ({}): the target resolves it from the directory", name, to, e.getMessage());
        }
        long done = System.nanoTime();
        Report r = new Report(name, self, to, (done - paused) / 1e6, (done - t0) / 1e6,
                bytes.length + (copied == null ? 0 : copied.bytes()), copied == null ? 0 : copied.rounds());
        LOG.info("moved {} to {}: downtime {} ms (capture {}, prepare {}, commit {}, go {}), total {} ms, {} bytes, {} pre-copy rounds",
                name, to, r.toMap().get("downtimeMs"), ms(capturedAt - paused), ms(preparedAt - capturedAt),
                ms(committedAt - preparedAt), ms(done - committedAt), r.toMap().get("totalMs"), r.bytes(), r.rounds());
        return r;
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** Whether an atom of that name is moving to this node right now (its memory being pre-copied, or prepared, not resumed). */
    public boolean arriving(String name) {
        return adopting.containsKey(name) || preCopies.holds(name);
    }

    /** A control call from another node. */
    public byte[] handle(String op, byte[] body) {
        return switch (op) {
            case "migrate.start" -> {
                String[] parts = new String(body, StandardCharsets.UTF_8).split("\n", 4);
                yield encodeReport(migrate(parts[0], parts[1], parts.length < 3 || Boolean.parseBoolean(parts[2]),
                        parts.length < 4 ? 1 : Integer.parseInt(parts[3])));
            }
            case "migrate.precopy" -> {
                preCopies.receive(body);
                yield new byte[0];
            }
            case "migrate.prepare" -> {
                prepare(Snapshot.decode(isBlob(body)
                        ? core.cluster().takeBlob(new String(body, BLOB.length(), body.length - BLOB.length(), StandardCharsets.US_ASCII))
                        : body));
                yield new byte[0];
            }
            case "migrate.go" -> {
                go(body);
                yield new byte[0];
            }
            case "migrate.abort" -> {
                abort(new String(body, StandardCharsets.UTF_8));
                yield new byte[0];
            }
            default -> {
                if (op.startsWith("update.")) {
                    yield core.updater().handle(op, body);
                }
                throw new AtollException("unknown control call " + op, "is the other node another Atoll version?");
            }
        };
    }

    // ---- target side ----

    private void prepare(Snapshot s) {
        Atom staged = null;
        if (s.captured().state().form() == InstanceState.DELTA) { // its memory came ahead: the changed pages go on top
            staged = preCopies.take(s.name(), s.module());
        }
        Definition d = definition(core, s.definition());
        // the definition's module, or the one the atom was updated to (live update) from the store
        io.atoll.engine.CompiledModule module = d.module().hash().equals(s.module()) ? d.module()
                : core.loadModule(s.module(), d);
        Atom atom = d.adopt(s.name(), s.captured(), s.aliases(), module, staged);
        Adoption a = new Adoption(adoptions.incrementAndGet(), d, atom, s);
        long id = a.id();
        adopting.put(s.name(), a);
        String name = s.name();
        Thread.ofVirtual().name("atoll-adopt " + name).start(() -> resolveLater(name, id));
    }

    private void go(byte[] body) {
        String name;
        List<Envelope> late = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            name = in.readUTF();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                late.add(Envelope.decode(in.readNBytes(in.readInt())));
            }
        } catch (IOException e) {
            throw new AtollException("malformed GO: " + e.getMessage(), null);
        }
        Adoption a = adopting.remove(name);
        if (a == null) {
            throw new AtollException("nothing to resume: " + name + " is not being moved here", null);
        }
        a.atom().mailbox().insertAfter(a.snapshot().captured().waiting().size(), late);
        a.definition().activate(a.atom(), a.snapshot().captured(), a.snapshot().aliases());
    }

    private void abort(String name) {
        preCopies.drop(name);
        Adoption a = adopting.remove(name);
        if (a != null) {
            a.definition().dropAdopted(a.atom());
        }
    }

    /**
     * GO never came for this adoption: the directory says whether the move committed. Only this
     * adoption: a later move of the same atom to this node has its own.
     */
    private void resolveLater(String name, long id) {
        try {
            Thread.sleep(Long.getLong("atoll.migration.go-timeout-ms", GO_TIMEOUT_MS));
        } catch (InterruptedException e) {
            return;
        }
        Adoption a = adopting.get(name);
        if (a == null || a.id() != id) {
            return; // GO came, or it was aborted
        }
        String owner;
        try {
            owner = core.cluster().ownerInStore(name).orElse("");
        } catch (RuntimeException e) {
            LOG.warn("cannot resolve the move of {}: {}; trying again", name, e.getMessage());
            Thread.ofVirtual().start(() -> resolveLater(name, id));
            return;
        }
        if (!adopting.remove(name, a)) {
            return;
        }
        if (owner.equals(core.nodeName())) {
            LOG.warn("{}: GO did not come, but the move committed: resuming here", name);
            a.definition().activate(a.atom(), a.snapshot().captured(), a.snapshot().aliases());
        } else {
            LOG.warn("{}: the move did not commit (owner {}): dropping the paused copy", name, owner);
            a.definition().dropAdopted(a.atom());
        }
    }

    /** The move failed after a pre-copy: the target may forget what it staged now (it would after 2 minutes anyway). */
    private void dropPreCopy(String to, String name, boolean copied) {
        if (copied) {
            core.cluster().call(to, "migrate.abort", name.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A deployed definition by full name ("app/def"), or an error naming the node. */
    static Definition definition(NodeCore core, String fullName) {
        int slash = fullName.indexOf('/');
        Application app = core.app(fullName.substring(0, slash));
        Definition d = app == null ? null : app.definition(fullName.substring(slash + 1));
        if (d == null) {
            throw new AtollException(fullName + " is not deployed on node " + core.nodeName(), null);
        }
        return d;
    }

    // ---- encoding ----

    private static byte[] go(String name, List<Envelope> late) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            out.writeUTF(name);
            out.writeInt(late.size());
            for (Envelope e : late) {
                byte[] enc = e.encode();
                out.writeInt(enc.length);
                out.write(enc);
            }
            out.flush();
            return b.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static byte[] encodeReport(Report r) {
        try {
            return JSON.writeValueAsBytes(r);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Report decodeReport(byte[] b) {
        try {
            return JSON.readValue(b, Report.class);
        } catch (IOException e) {
            throw new AtollException("malformed migration report: " + e.getMessage(), null);
        }
    }

    static byte[] await(java.util.concurrent.CompletableFuture<byte[]> f, String who) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof AtollException ae ? ae : new AtollException(who + ": " + c, null);
        } catch (TimeoutException e) {
            throw new AtollException(who + " did not answer in time", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtollException("interrupted", null);
        }
    }
}
