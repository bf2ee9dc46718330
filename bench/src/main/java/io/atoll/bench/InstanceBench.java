package io.atoll.bench;

import io.atoll.abi.Abi;
import io.atoll.abi.Envelope;
import io.atoll.engine.AtomExit;
import io.atoll.engine.AtomHost;
import io.atoll.engine.AtomInstance;
import io.atoll.engine.CompiledModule;
import io.atoll.engine.ExecutionMode;
import io.atoll.engine.InstanceOptions;
import io.atoll.engine.WasmEngine;
import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import io.atoll.runtime.app.Definition;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.atom.AtomState;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * In-process figures, each for the Java SDK echo atom (examples) and the C probe atom:
 *
 * <ol>
 *   <li><b>instance creation</b>, engine level: from an already compiled module
 *       ({@code WasmEngine.load} done once), the time of {@code WasmEngine.instantiate} (Chicory
 *       instance, imports bound, memory allocated, data segments copied) plus the ABI start-up
 *       exports ({@code _initialize}, {@code _start}, and {@code atoll_main} when exported, which
 *       for a handler atom returns {@code ATOLL_SERVE} at once), on one platform thread. Median and
 *       p90 of many, after a warm-up. This is the {@code instance-create-us} figure. Also the
 *       hibernation pair: {@code AtomInstance.capture} of a started instance and
 *       {@code WasmEngine.restore} of that state into a fresh instance.
 *   <li><b>spawn path of the runtime</b>: one message delivered to a definition with policy
 *       {@code on-demand} (a new instance per event: {@code Atom} object, name registration,
 *       virtual thread, instantiate, start-up exports, the handler, the reply) versus the same
 *       message to a definition with policy {@code one} (an existing idle instance). The median
 *       round trips and their difference, which is what spawning costs on the event path.
 *   <li><b>heap per idle atom</b>: a definition with policy {@code round-robin(N)} and
 *       {@code hibernate: never} gets N messages, so N instances start, each answers one message
 *       and then waits idle in its mailbox. Used heap after a full GC, minus the same before,
 *       divided by N. Reported with the instance's linear memory (on the Java heap: the engine uses
 *       Chicory's ByteArrayMemory) and the rest (runtime, Chicory instance, virtual thread). This
 *       is the {@code heap-per-idle-atom-bytes} figure. The same again with {@code hibernate: 1s},
 *       measured once every instance is HIBERNATED (captured state kept, instance dropped).
 * </ol>
 *
 * <p>Prints a readable report, and one {@code metric key=value} line per figure for scripts.
 * Usage: {@code InstanceBench [--quick] [--samples N] [--idle N]}.
 */
public final class InstanceBench {
    private InstanceBench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int samples = 2000;
        int idle = 2000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--idle" -> idle = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: InstanceBench [--quick] [--samples N] [--idle N])");
            }
        }
        if (quick) {
            samples = Math.min(samples, 500);
            idle = Math.min(idle, 500);
        }
        byte[] javaEcho = AtollEchoNode.Modules.bytes(AtollEchoNode.Modules.JAVA_ECHO);
        byte[] cProbe = AtollEchoNode.Modules.bytes(AtollEchoNode.Modules.C_PROBE);

        System.out.println("== instance creation from a compiled module (engine: instantiate + start-up exports)");
        engineLevel("java-echo", javaEcho, samples, true);
        engineLevel("c-probe", cProbe, samples, false);

        Path dir = Files.createTempDirectory("atoll-bench-instances");
        try (Node node = Node.start(new NodeConfig("bench", "default", List.of(), "127.0.0.1", 0, dir.resolve("data"), null))) {
            deploy(node, dir, "jfresh", javaEcho, "on-demand", "never");
            deploy(node, dir, "jwarm", javaEcho, "one", "never");
            deploy(node, dir, "cfresh", cProbe, "on-demand", "never");
            deploy(node, dir, "cwarm", cProbe, "one", "never");
            System.out.println();
            System.out.println("== runtime spawn path: message round trip, new instance per event (on-demand) vs existing instance (one)");
            int rt = Math.max(100, samples / 2);
            spawnPath("java-echo", node.core(), "jfresh/echo", "jwarm/echo", "hi", rt);
            spawnPath("c-probe", node.core(), "cfresh/echo", "cwarm/echo", "echo hi", rt);

            System.out.println();
            System.out.println("== heap per idle atom instance (round-robin(N): N instances, each handled one message, now idle; then hibernated)");
            idleHeap("java-echo", node, dir, javaEcho, "hi", idle, true);
            idleHeap("c-probe", node, dir, cProbe, "echo hi", idle, false);
        } finally {
            AtollEchoNode.deleteTree(dir);
        }
    }

    // ---------------------------------------------------------------- (b) engine level

    private static void engineLevel(String label, byte[] bytes, int samples, boolean headline) {
        WasmEngine engine = new WasmEngine();
        long c0 = System.nanoTime();
        CompiledModule m = engine.load(bytes, ExecutionMode.COMPILED);
        engine.check(m, InstanceOptions.DEFAULT);
        long compileMs = (System.nanoTime() - c0) / 1_000_000;
        AtomHost host = new NullHost();
        int warmup = Math.max(200, samples / 2);
        for (int i = 0; i < warmup; i++) {
            create(engine, m, host);
        }
        long[] inst = new long[samples];
        long[] total = new long[samples];
        long memory = 0;
        for (int i = 0; i < samples; i++) {
            long t0 = System.nanoTime();
            AtomInstance a = engine.instantiate(m, host, InstanceOptions.DEFAULT);
            long t1 = System.nanoTime();
            startUp(a);
            long t2 = System.nanoTime();
            inst[i] = t1 - t0;
            total[i] = t2 - t0;
            memory = a.memoryBytes();
        }
        double med = median(total) / 1000.0;
        System.out.printf(Locale.ROOT, "%-10s %s module %,d bytes (compiled once in %d ms); %d samples after %d warm-up%n",
                label, label.startsWith("java") ? "TeaVM" : "clang", bytes.length, compileMs, samples, warmup);
        System.out.printf(Locale.ROOT, "%-10s create (instantiate + start-up exports): median %.1f us, p90 %.1f us;"
                + " of which instantiate: median %.1f us; linear memory after start-up %,d bytes%n",
                label, med, pct(total, 0.9) / 1000.0, median(inst) / 1000.0, memory);
        // Hibernation (runtime: after `hibernate` idle time): capture a started instance, restore it.
        AtomInstance started = engine.instantiate(m, host, InstanceOptions.DEFAULT);
        startUp(started);
        var saved = started.capture();
        int hs = Math.max(100, samples / 4);
        long[] cap = new long[hs];
        long[] res = new long[hs];
        for (int i = 0; i < hs * 2; i++) { // first half: warm-up
            long t0 = System.nanoTime();
            var st = started.capture();
            long t1 = System.nanoTime();
            engine.restore(m, host, InstanceOptions.DEFAULT, st);
            long t2 = System.nanoTime();
            if (i >= hs) {
                cap[i - hs] = t1 - t0;
                res[i - hs] = t2 - t1;
            }
        }
        System.out.printf(Locale.ROOT, "%-10s hibernation: capture median %.1f us, restore (instantiate + write state) median %.1f us;"
                + " captured state %,d bytes (deflated)%n", label, median(cap) / 1000.0, median(res) / 1000.0, saved.sizeBytes());
        metric(label + ".capture-us", fmt1(median(cap) / 1000.0));
        metric(label + ".restore-us", fmt1(median(res) / 1000.0));
        metric(label + ".instance-create-us", fmt1(med));
        metric(label + ".instantiate-us", fmt1(median(inst) / 1000.0));
        metric(label + ".linear-memory-bytes", Long.toString(memory));
        if (headline) {
            metric("instance-create-us", fmt1(med));
        }
    }

    private static void create(WasmEngine engine, CompiledModule m, AtomHost host) {
        startUp(engine.instantiate(m, host, InstanceOptions.DEFAULT));
    }

    /** docs/abi.md §1: _initialize, _start, then atoll_main (a handler atom returns ATOLL_SERVE). */
    private static void startUp(AtomInstance a) {
        a.start();
        if (a.module().hasMain()) {
            int rc = a.runMain();
            if (rc != Abi.MAIN_SERVE) {
                throw new IllegalStateException("atoll_main returned " + rc + ": not a handler atom");
            }
        }
    }

    // ---------------------------------------------------------------- (b') runtime spawn path

    private static void spawnPath(String label, NodeCore core, String fresh, String warm, String payload, int samples)
            throws Exception {
        int warmup = Math.max(100, samples / 2);
        for (int i = 0; i < warmup; i++) {
            roundTrip(core, fresh, payload);
            roundTrip(core, warm, payload);
        }
        long[] f = new long[samples];
        long[] w = new long[samples];
        for (int i = 0; i < samples; i++) { // alternate, so noise hits both alike
            f[i] = roundTrip(core, fresh, payload);
            w[i] = roundTrip(core, warm, payload);
        }
        double fm = median(f) / 1000.0;
        double wm = median(w) / 1000.0;
        System.out.printf(Locale.ROOT, "%-10s round trip: new instance median %.1f us (p90 %.1f), existing instance median %.1f us"
                + " (p90 %.1f); spawn adds %.1f us (%d samples)%n",
                label, fm, pct(f, 0.9) / 1000.0, wm, pct(w, 0.9) / 1000.0, fm - wm, samples);
        metric(label + ".roundtrip-new-instance-us", fmt1(fm));
        metric(label + ".roundtrip-existing-instance-us", fmt1(wm));
        metric(label + ".spawn-path-us", fmt1(fm - wm));
    }

    /** Delivers one message as the management API does and waits for the answer; returns nanos. */
    private static long roundTrip(NodeCore core, String target, String payload) throws Exception {
        CompletableFuture<Envelope> answer = new CompletableFuture<>();
        long t0 = System.nanoTime();
        String replyTo = core.replies().open(answer, 10_000);
        try {
            core.deliver(target, new Envelope(Abi.KIND_MESSAGE, 0, 0, Abi.SENDER_API, replyTo,
                    payload.getBytes(StandardCharsets.UTF_8)));
            Envelope e = answer.get(10, TimeUnit.SECONDS);
            long t = System.nanoTime() - t0;
            String body = new String(e.payload(), StandardCharsets.UTF_8);
            if (!body.equals("hi")) {
                throw new IllegalStateException(target + " answered '" + body + "', expected 'hi'");
            }
            return t;
        } finally {
            core.replies().close(replyTo);
        }
    }

    // ---------------------------------------------------------------- (c) heap per idle instance

    private static void idleHeap(String label, Node node, Path dir, byte[] module, String payload, int wanted, boolean headline)
            throws Exception {
        // A pilot sizes N so that N instances fit in half of the free heap.
        String pilotApp = label.replaceAll("[^a-z]", "") + "pilot";
        Sample pilot = idleSample(node, dir, pilotApp, module, payload, 50, false);
        long max = Runtime.getRuntime().maxMemory();
        long fits = Math.max(50, (long) ((max * 0.5 - usedAfterGc()) / Math.max(1, pilot.perInstance())));
        int n = (int) Math.min(wanted, fits);
        String note = n < wanted ? " (capped from " + wanted + " to fit in half of -Xmx " + (max >> 20) + " MiB)" : "";
        Sample s = idleSample(node, dir, label.replaceAll("[^a-z]", "") + "idle", module, payload, n, false);
        System.out.printf(Locale.ROOT, "%-10s %d idle instances%s (hibernate: never): %,d heap bytes each (%.1f KiB), of which"
                + " linear memory %,d bytes and runtime + engine %,d bytes%n",
                label, n, note, s.perInstance(), s.perInstance() / 1024.0, s.linearMemory(), s.perInstance() - s.linearMemory());
        Sample h = idleSample(node, dir, label.replaceAll("[^a-z]", "") + "hib", module, payload, n, true);
        System.out.printf(Locale.ROOT, "%-10s %d hibernated instances (hibernate: 1s, then captured): %,d heap bytes each (%.1f KiB),"
                + " of which the captured state %,d bytes; %.1fx less than awake%n",
                label, n, h.perInstance(), h.perInstance() / 1024.0, h.linearMemory(), (double) s.perInstance() / Math.max(1, h.perInstance()));
        metric(label + ".heap-per-hibernated-atom-bytes", Long.toString(h.perInstance()));
        metric(label + ".hibernated-state-bytes", Long.toString(h.linearMemory()));
        metric(label + ".heap-per-idle-atom-bytes", Long.toString(s.perInstance()));
        metric(label + ".idle-linear-memory-bytes", Long.toString(s.linearMemory()));
        metric(label + ".idle-overhead-bytes", Long.toString(s.perInstance() - s.linearMemory()));
        metric(label + ".idle-instances", Integer.toString(n));
        if (headline) {
            metric("heap-per-idle-atom-bytes", Long.toString(s.perInstance()));
        }
    }

    record Sample(long perInstance, long linearMemory) {}

    private static Sample idleSample(Node node, Path dir, String app, byte[] module, String payload, int n, boolean hibernated)
            throws Exception {
        deploy(node, dir, app, module, "round-robin(" + n + ")", hibernated ? "1s" : "never");
        NodeCore core = node.core();
        Definition d = core.app(app).definition("echo");
        long before = usedAfterGc();
        List<CompletableFuture<Envelope>> answers = new ArrayList<>(n);
        List<String> replies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            CompletableFuture<Envelope> answer = new CompletableFuture<>();
            String replyTo = core.replies().open(answer, 60_000);
            answers.add(answer);
            replies.add(replyTo);
            core.deliver(app + "/echo", new Envelope(Abi.KIND_MESSAGE, 0, 0, Abi.SENDER_API, replyTo,
                    payload.getBytes(StandardCharsets.UTF_8)));
        }
        for (CompletableFuture<Envelope> a : answers) {
            a.get(60, TimeUnit.SECONDS);
        }
        replies.forEach(core.replies()::close);
        answers.clear();
        replies.clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        AtomState want = hibernated ? AtomState.HIBERNATED : AtomState.IDLE;
        List<Atom> atoms = d.instances();
        while (atoms.size() != n || !atoms.stream().allMatch(a -> a.state() == want)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(app + ": " + atoms.size() + " instances, not all " + want + " after 60 s");
            }
            Thread.sleep(10);
            atoms = d.instances();
        }
        long linear = atoms.stream().mapToLong(Atom::memoryBytes).sum() / n;
        atoms = null;
        long after = usedAfterGc();
        long per = (after - before) / n;
        node.undeploy(app);
        return new Sample(per, linear);
    }

    /** Used heap after full collections, once it stops shrinking. */
    static long usedAfterGc() throws InterruptedException {
        var mem = ManagementFactory.getMemoryMXBean();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(50);
            long used = mem.getHeapMemoryUsage().getUsed();
            if (used >= last - (64 << 10)) {
                return Math.min(used, last);
            }
            last = used;
        }
        return last;
    }

    // ---------------------------------------------------------------- helpers

    private static void metric(String key, String value) {
        System.out.println("metric " + key + "=" + value);
    }

    private static String fmt1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static double median(long[] v) {
        return pct(v, 0.5);
    }

    static double pct(long[] v, double p) {
        long[] s = v.clone();
        Arrays.sort(s);
        if (p == 0.5 && s.length % 2 == 0) {
            return (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
        }
        return s[Math.min(s.length - 1, (int) Math.floor(p * s.length))];
    }

    /** Deploys application {@code app}: one reactive definition {@code echo} running {@code module}. */
    private static void deploy(Node node, Path dir, String app, byte[] module, String policy, String hibernate) throws Exception {
        node.deploy(AtollEchoNode.manifest(dir, app, module, policy, hibernate));
    }

    /** A host for instances that are created and started but never handle a message. */
    static final class NullHost implements AtomHost {
        @Override public int send(String to, byte[] payload, int flags, long correlation) { return 1; }
        @Override public byte[] receive(long timeoutMs) { return null; }
        @Override public void aliasAdd(String alias) {}
        @Override public void aliasRemove(String alias) {}
        @Override public List<String> lookup(int mode, String query) { return List.of(); }
        @Override public String selfName() { return "bench/echo/r0"; }
        @Override public String spawn(String definition) { throw new UnsupportedOperationException(); }
        @Override public byte[] kvGet(byte[] key) { return null; }
        @Override public void kvPut(byte[] key, byte[] value) {}
        @Override public void kvDelete(byte[] key) {}
        @Override public byte[] kvScan(byte[] prefix, int limit) { return new byte[4]; }
        @Override public void log(int level, String text) {}
        @Override public void exit(int code) { throw new AtomExit(code); }
    }
}
