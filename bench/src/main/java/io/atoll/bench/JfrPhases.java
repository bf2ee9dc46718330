package io.atoll.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * bench/migration's phase timing: where each migration's time goes, from JFR method-trace events
 * ({@code jdk.MethodTrace}, JDK 25, JEP 520) recorded on both nodes with the filter in
 * {@link #FILTER}. The nodes run on one machine, so their event times share a clock.
 *
 * <p>Usage: {@code JfrPhases [--filter] | MOVES_FILE NODE=FILE.jfr...}. {@code --filter} prints the
 * method filter for {@code jcmd PID JFR.start method-trace=...} (or a .jfc file). MOVES_FILE has one
 * line per move the script asked for, in order: {@code LABEL DOWNTIME_MS TOTAL_MS} ({@code -} for a
 * move that failed). The k-th move a node drove (the {@code Migrator.migrate} during which that
 * node captured the atom) is matched with the k-th line. Prints one line per move,
 * {@code move K LABEL phase=ms ...}, then per label the median of each phase.
 *
 * <p>Phases (ms): {@code precopy} (pre-copy moves: Migrator.preCopy, the rounds of pages sent while
 * the atom runs); {@code safepoint} from the capture request (or the request reaching the source) to
 * the start of the capture (the handler in progress); {@code capture} (the atom thread:
 * stop-and-copy: memory copied and deflated, of which {@code deflate}; pre-copy: the pages that differ
 * from what the target holds); {@code encode} (Snapshot.encode); {@code blob} (snapshot over 512 KiB:
 * SHA-256 and put into the object store); {@code prepare} (the PREPARE control call as the source
 * waits for it; {@code prepare-target} the target's handling, of which {@code take} the object
 * store fetch, {@code decode}, {@code adopt}); {@code cas} (directory compare-and-set);
 * {@code commit} (mailbox sealed); {@code go} (GO call; {@code go-target} the target's handling);
 * PREPARE and GO are the control calls from the capture on (a pre-copy's PRECOPY calls come before);
 * {@code restore} (the target: new instance, memory inflated and written, of which {@code inflate};
 * on the atom's new thread after GO, or, if the runtime restores ahead, in PREPARE) and
 * {@code restore-after-go} (how long the restore ran on after the target answered GO);
 * {@code unavailable}: from the start of the capture to the end of the restore or of the target's
 * GO, whichever is later, the time the atom handled nothing (the report's downtime starts after the capture and ends at the GO
 * answer, before the restore); {@code gc}: the GC pauses of both JVMs ({@code jdk.GarbageCollection},
 * sum of pauses, if recorded) that began in that time.
 */
public final class JfrPhases {
    /** The methods traced, for {@code method-trace=}. */
    static final String FILTER = String.join(";",
            "io.atoll.runtime.migration.Migrator::migrate",
            "io.atoll.runtime.migration.Migrator::preCopy",
            "io.atoll.runtime.atom.Atom::requestCapture",
            "io.atoll.runtime.migration.Migrator::handle",
            "io.atoll.runtime.migration.Migrator::await",
            "io.atoll.runtime.migration.Snapshot::encode",
            "io.atoll.runtime.migration.Snapshot::decode",
            "io.atoll.engine.AtomInstance::capture",
            "io.atoll.engine.InstanceState::deflate",
            "io.atoll.engine.InstanceState::inflate",
            "io.atoll.engine.WasmEngine::restore",
            "io.atoll.engine.WasmEngine::restoreOnto",
            "io.atoll.engine.WasmEngine::sha256",
            "io.atoll.cluster.FabricCluster::putBlob",
            "io.atoll.cluster.FabricCluster::takeBlob",
            "io.atoll.cluster.FabricCluster::moveName",
            "io.atoll.runtime.atom.Atom::commitMove",
            "io.atoll.runtime.app.Definition::adopt",
            "io.atoll.runtime.app.Definition::activate");

    private static final String[] PHASES = {"unavailable", "downtime", "total", "precopy", "safepoint", "capture", "deflate", "encode",
        "blob", "prepare", "prepare-target", "take", "decode", "adopt", "cas", "commit", "go", "go-target",
        "restore", "inflate", "restore-after-go", "gc"};

    private JfrPhases() {
    }

    record Ev(String node, String method, long thread, Instant start, Instant end) {
        double ms() {
            return Duration.between(start, end).toNanos() / 1e6;
        }

        boolean within(Ev outer) {
            return !start.isBefore(outer.start) && !start.isAfter(outer.end);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--filter")) {
            System.out.println(FILTER);
            return;
        }
        if (args.length < 2) {
            System.err.println("usage: JfrPhases --filter | MOVES_FILE NODE=FILE.jfr...");
            System.exit(2);
        }
        List<String[]> moves = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (!line.isBlank()) {
                moves.add(line.trim().split("\\s+"));
            }
        }
        List<Ev> all = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] nf = args[i].split("=", 2);
            for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(nf[1]))) {
                if (e.getEventType().getName().equals("jdk.GarbageCollection")) {
                    Duration pauses = e.getDuration("sumOfPauses");
                    all.add(new Ev(nf[0], "GC", -1, e.getStartTime(), e.getStartTime().plus(pauses)));
                    continue;
                }
                if (!e.getEventType().getName().equals("jdk.MethodTrace")) {
                    continue;
                }
                RecordedMethod m = e.getValue("method");
                String type = m.getType().getName();
                all.add(new Ev(nf[0], type.substring(type.lastIndexOf('.') + 1) + "::" + m.getName(),
                        e.getThread() == null ? -1 : e.getThread().getJavaThreadId(), e.getStartTime(), e.getEndTime()));
            }
        }
        all.sort(Comparator.comparing(Ev::start));

        // the moves: a node's Migrator.migrate during which the same node captured an atom
        List<Ev> drives = new ArrayList<>();
        for (Ev m : all) {
            if (m.method.equals("Migrator::migrate") && first(all, m.node, "AtomInstance::capture", m, -1) != null) {
                drives.add(m);
            }
        }
        List<String[]> failed = new ArrayList<>();
        List<String[]> ok = new ArrayList<>();
        for (String[] mv : moves) {
            (mv.length >= 3 && !mv[1].equals("-") ? ok : failed).add(mv);
        }
        if (drives.size() != ok.size()) {
            System.out.printf("note: %d moves in the recordings, %d successful moves asked for (%d failed): matched in order%n",
                    drives.size(), ok.size(), failed.size());
        }
        Map<String, Map<String, List<Double>>> byLabel = new LinkedHashMap<>();
        for (int k = 0; k < drives.size(); k++) {
            Ev m = drives.get(k);
            String[] mv = k < ok.size() ? ok.get(k) : new String[] {"?", "-", "-"};
            String label = mv[0];
            Map<String, Double> p = new LinkedHashMap<>();
            if (!mv[1].equals("-")) {
                p.put("downtime", Double.parseDouble(mv[1]));
                p.put("total", Double.parseDouble(mv[2]));
            }
            String target = null;
            Ev capture = first(all, m.node, "AtomInstance::capture", m, -1);
            // pre-copy: the rounds run before the capture request, on the migrating thread
            Ev precopy = first(all, m.node, "Migrator::preCopy", m, m.thread);
            Ev request = first(all, m.node, "Atom::requestCapture", m, m.thread);
            put(p, "precopy", precopy);
            Instant asked = request != null ? request.start : precopy != null ? precopy.end : m.start;
            p.put("safepoint", Duration.between(asked, capture.start).toNanos() / 1e6);
            p.put("capture", capture.ms());
            put(p, "deflate", first(all, m.node, "InstanceState::deflate", capture, -1));
            put(p, "encode", first(all, m.node, "Snapshot::encode", m, m.thread));
            Ev sha = first(all, m.node, "WasmEngine::sha256", m, m.thread);
            Ev putBlob = first(all, m.node, "FabricCluster::putBlob", m, m.thread);
            if (putBlob != null) {
                p.put("blob", putBlob.ms() + (sha == null ? 0 : sha.ms()));
            }
            // the control calls from the capture on: PREPARE, GO (the PRECOPY calls come before)
            List<Ev> awaits = every(all, m.node, "Migrator::await", m, m.thread);
            awaits.removeIf(e -> e.start.isBefore(capture.start));
            put(p, "cas", first(all, m.node, "FabricCluster::moveName", m, m.thread));
            put(p, "commit", first(all, m.node, "Atom::commitMove", m, m.thread));
            // the target: the other node's control calls handled during this move
            List<Ev> handles = new ArrayList<>();
            for (Ev e : all) {
                if (!e.node.equals(m.node) && e.method.equals("Migrator::handle") && e.within(m)
                        && !e.start.isBefore(capture.start)) {
                    handles.add(e);
                    target = e.node;
                }
            }
            if (!awaits.isEmpty()) {
                p.put("prepare", awaits.get(0).ms());
            }
            if (awaits.size() > 1) {
                p.put("go", awaits.get(1).ms());
            }
            if (!handles.isEmpty()) {
                Ev prep = handles.get(0);
                p.put("prepare-target", prep.ms());
                put(p, "take", first(all, target, "FabricCluster::takeBlob", prep, prep.thread));
                put(p, "decode", first(all, target, "Snapshot::decode", prep, prep.thread));
                put(p, "adopt", first(all, target, "Definition::adopt", prep, prep.thread));
            }
            if (handles.size() > 1) {
                Ev go = handles.get(1);
                p.put("go-target", go.ms());
                // the target's restore of this move: after GO (on the atom's new thread), or already
                // in PREPARE (restored ahead, GO only starts the thread; restoreOnto: onto the
                // instance that received the pre-copied pages); the first from PREPARE on
                Ev prep = handles.get(0);
                Ev restore = null;
                for (Ev e : all) {
                    if (e.node.equals(target) && (e.method.equals("WasmEngine::restore") || e.method.equals("WasmEngine::restoreOnto"))
                            && !e.start.isBefore(prep.start)) {
                        restore = e;
                        break;
                    }
                }
                if (restore != null) {
                    p.put("restore", restore.ms());
                    put(p, "inflate", first(all, target, "InstanceState::inflate", restore, restore.thread));
                    p.put("restore-after-go", Math.max(0, Duration.between(go.end, restore.end).toNanos() / 1e6));
                    // available again: restored, and GO handled (it starts the atom's thread)
                    Instant back = restore.end.isAfter(go.end) ? restore.end : go.end;
                    p.put("unavailable", Duration.between(capture.start, back).toNanos() / 1e6);
                    double gc = 0;
                    for (Ev e : all) {
                        if (e.method.equals("GC") && !e.start.isBefore(capture.start) && !e.start.isAfter(back)) {
                            gc += e.ms();
                        }
                    }
                    p.put("gc", gc);
                }
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "move %d %s %s->%s", k + 1, label, m.node, target));
            for (String ph : PHASES) {
                if (p.containsKey(ph)) {
                    line.append(String.format(Locale.ROOT, " %s=%.2f", ph, p.get(ph)));
                    byLabel.computeIfAbsent(label, x -> new LinkedHashMap<>()).computeIfAbsent(ph, x -> new ArrayList<>()).add(p.get(ph));
                }
            }
            System.out.println(line);
        }
        for (var e : byLabel.entrySet()) {
            StringBuilder line = new StringBuilder("median " + e.getKey());
            for (String ph : PHASES) {
                List<Double> v = e.getValue().get(ph);
                if (v != null) {
                    line.append(String.format(Locale.ROOT, " %s=%.2f", ph, quantile(v, 50)));
                }
            }
            System.out.println(line);
            List<Double> u = e.getValue().get("unavailable");
            if (u != null) {
                System.out.printf(Locale.ROOT, "p99 %s unavailable=%.2f n=%d%n", e.getKey(), quantile(u, 99), u.size());
            }
        }
    }

    private static void put(Map<String, Double> p, String phase, Ev e) {
        if (e != null) {
            p.put(phase, e.ms());
        }
    }

    /** The first event of {@code method} on {@code node} starting within {@code outer} (on {@code thread}, if >= 0). */
    private static Ev first(List<Ev> all, String node, String method, Ev outer, long thread) {
        List<Ev> l = every(all, node, method, outer, thread);
        return l.isEmpty() ? null : l.get(0);
    }

    private static List<Ev> every(List<Ev> all, String node, String method, Ev outer, long thread) {
        List<Ev> out = new ArrayList<>();
        for (Ev e : all) {
            if (e.node.equals(node) && e.method.equals(method) && e.within(outer) && e != outer
                    && (thread < 0 || e.thread == thread)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Nearest rank. */
    static double quantile(List<Double> v, int p) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int k = (int) ((p * (long) s.size() + 99) / 100);
        return s.get(Math.max(k, 1) - 1);
    }
}
