package io.atoll.bench;

import io.atoll.engine.AtomInstance;
import io.atoll.engine.CompiledModule;
import io.atoll.engine.ExecutionMode;
import io.atoll.engine.InstanceOptions;
import io.atoll.engine.RefusingHost;
import io.atoll.engine.SafePoints;
import io.atoll.engine.WasmEngine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What mid-run capture costs at run time: the same compute kernels (bench/kernels/kernels.c, a
 * loop-style atom) loaded three ways, in {@link ExecutionMode#COMPILED} mode, as the engine deploys
 * them: {@link SafePoints#BETWEEN_EVENTS} (not instrumented: the baseline), {@link SafePoints#IMPORTS}
 * (asyncify, unwinding at every atoll import: the default) and {@link SafePoints#ANYWHERE} (also a
 * safe point at every loop header and function entry). docs/design/mid-run-capture.md §5.
 *
 * <p>Method (as the design's spike): every variant in one JVM and one instance each; the
 * instrumented variants must return exactly the original's checksums; then warm-up rounds and
 * measured rounds, each round running every kernel on every variant, the order rotating from round
 * to round so that no variant always runs first or last. A variant's cost is the ratio of its
 * minimum time to the original's (the minimum is the run least disturbed by the machine; medians
 * are printed too, to show the noise). Summary: the geometric mean of the ratios per variant.
 *
 * <p>Usage: {@code InstrumentationOverhead [--quick] [--rounds N] [--warmup N] [--sizes k=n,...] KERNELS.wasm}.
 * The last line is {@code overhead imports=X anywhere=Y}. Exits 1 if a variant cannot be built or
 * computes something else than the original.
 */
public final class InstrumentationOverhead {
    private InstrumentationOverhead() {
    }

    /** One exported kernel and its argument. */
    record Kernel(String name, int arg) {
        String export() {
            return "k_" + name;
        }
    }

    /** One way of loading the module, with its instance and its timings (ns, one per round). */
    record Variant(String label, long bytes, double loadMs, AtomInstance instance, Map<String, long[]> times) {
    }

    /** The baseline first: the report divides by it. */
    static final List<SafePoints> VARIANTS = List.of(SafePoints.BETWEEN_EVENTS, SafePoints.IMPORTS, SafePoints.ANYWHERE);

    /** Arguments that take 15-60 ms each uninstrumented (Chicory compiled, JIT-compiled, on a 2-core VM). */
    static final List<Kernel> DEFAULT_KERNELS = List.of(new Kernel("fib", 35), new Kernel("sha256", 30000),
            new Kernel("qsort", 100000), new Kernel("matmul", 200), new Kernel("clockloop", 16_000_000));

    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int rounds = -1;
        int warmup = -1;
        List<Kernel> kernels = DEFAULT_KERNELS;
        Path wasm = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--rounds" -> rounds = positive(args, ++i);
                case "--warmup" -> warmup = positive(args, ++i);
                case "--sizes" -> kernels = sizes(args, ++i);
                default -> {
                    if (args[i].startsWith("--") || wasm != null) {
                        usage("unknown argument '" + args[i] + "'");
                    }
                    wasm = Path.of(args[i]);
                }
            }
        }
        if (wasm == null) {
            usage("no module given (bench/kernels/overhead builds bench/target/kernels.wasm and passes it)");
        }
        rounds = rounds > 0 ? rounds : quick ? 5 : 15;
        // each variant is its own generated class, which the JIT compiles separately: warm all of them up
        warmup = warmup > 0 ? warmup : quick ? 6 : 12;
        try {
            run(Files.readAllBytes(wasm), wasm, kernels, rounds, warmup);
        } catch (Failure e) {
            System.out.flush();
            System.err.println("InstrumentationOverhead: error: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(byte[] wasm, Path file, List<Kernel> kernels, int rounds, int warmup) throws Exception {
        Path cache = Files.createTempDirectory("atoll-overhead");
        try {
            // an engine with a cache directory, only so that the instrumented bytes can be found and weighed
            WasmEngine engine = new WasmEngine(cache);
            if (!engine.canInstrument()) {
                throw new Failure("wasm-opt (binaryen) not found: nothing to measure; install it with"
                        + " scripts/setup-toolchain.sh binaryen (or set ATOLL_WASM_OPT)");
            }
            List<Variant> variants = new ArrayList<>();
            for (SafePoints p : VARIANTS) {
                variants.add(load(engine, wasm, p, cache));
            }
            Map<String, Long> checksums = verify(variants, kernels);
            for (Variant v : variants) {
                kernels.forEach(k -> v.times().put(k.name(), new long[rounds]));
            }
            System.err.printf(Locale.ROOT, "instrumentation overhead: checksums equal; %d warm-up and %d measured rounds...%n",
                    warmup, rounds);
            for (int r = 0; r < warmup; r++) {
                round(variants, kernels, checksums, r, -1);
            }
            for (int r = 0; r < rounds; r++) {
                round(variants, kernels, checksums, r, r);
            }
            report(file, variants, kernels, checksums, rounds, warmup);
        } finally {
            deleteTree(cache);
        }
    }

    // ------------------------------------------------------------------ setup

    /** Loads, checks and instantiates one variant; fails if it was not instrumented as asked. */
    private static Variant load(WasmEngine engine, byte[] wasm, SafePoints points, Path cache) throws Failure {
        long t0 = System.nanoTime();
        CompiledModule m;
        try {
            m = engine.load(wasm, ExecutionMode.COMPILED, points);
            engine.check(m, InstanceOptions.DEFAULT);
        } catch (RuntimeException e) {
            throw new Failure(points.label() + ": the module does not load: " + e.getMessage());
        }
        double loadMs = (System.nanoTime() - t0) / 1e6;
        boolean instrumented = points != SafePoints.BETWEEN_EVENTS;
        if (m.midRunCapture() != instrumented) {
            throw new Failure(points.label() + ": midRunCapture() is " + m.midRunCapture() + ", expected " + instrumented
                    + " (is kernels.wasm loop style, exporting atoll_main?)");
        }
        boolean loopHeaders = m.unwindImports().contains("env.log_execution");
        if (loopHeaders != (points == SafePoints.ANYWHERE)) {
            throw new Failure(points.label() + ": unexpected safe points " + m.unwindImports());
        }
        AtomInstance instance = engine.instantiate(m, new RefusingHost(), InstanceOptions.DEFAULT);
        instance.start();
        long bytes = instrumented ? sizeOf(m, cache) : wasm.length;
        return new Variant(points.label(), bytes, loadMs, instance, new LinkedHashMap<>());
    }

    /** The size of the instrumented module: the file in the engine's asyncify cache with its hash, or -1. */
    private static long sizeOf(CompiledModule m, Path cache) {
        try (var files = Files.list(cache.resolve("asyncify"))) {
            for (Path f : files.toList()) {
                byte[] b = Files.readAllBytes(f);
                if (WasmEngine.sha256(b).equals(m.hash())) {
                    return b.length;
                }
            }
        } catch (IOException e) {
            // the cache layout changed: the size is reported as unknown
        }
        return -1;
    }

    /** Runs every kernel once on every variant: the instrumented ones must give the original's checksum. */
    private static Map<String, Long> verify(List<Variant> variants, List<Kernel> kernels) throws Failure {
        Map<String, Long> checksums = new LinkedHashMap<>();
        List<String> wrong = new ArrayList<>();
        for (Kernel k : kernels) {
            long want = call(variants.get(0), k);
            if (want == -1 || want == -2) { // kernels.c: out of memory, or not sorted
                throw new Failure(k.export() + "(" + k.arg() + ") failed in the original module (" + want + ")");
            }
            checksums.put(k.name(), want);
            for (Variant v : variants.subList(1, variants.size())) {
                long got = call(v, k);
                if (got != want) {
                    wrong.add(v.label() + " " + k.export() + "(" + k.arg() + ") = " + got + ", original " + want);
                }
            }
        }
        if (!wrong.isEmpty()) {
            throw new Failure("an instrumented module computes something else than the original: " + String.join("; ", wrong));
        }
        return checksums;
    }

    // ------------------------------------------------------------------ measurement

    /**
     * One round: every kernel on every variant, both orders rotated by the round number; {@code slot} < 0:
     * warm-up. Every result is checked again (an instance is reused from call to call).
     */
    private static void round(List<Variant> variants, List<Kernel> kernels, Map<String, Long> checksums, int round, int slot)
            throws Failure {
        for (int i = 0; i < kernels.size(); i++) {
            Kernel k = kernels.get((i + round) % kernels.size());
            for (int j = 0; j < variants.size(); j++) {
                Variant v = variants.get((j + round) % variants.size());
                long t0 = System.nanoTime();
                long sum = call(v, k);
                long ns = System.nanoTime() - t0;
                if (sum != checksums.get(k.name())) {
                    throw new Failure(v.label() + " " + k.export() + "(" + k.arg() + ") = " + sum + " in round " + round
                            + ", expected " + checksums.get(k.name()));
                }
                if (slot >= 0) {
                    v.times().get(k.name())[slot] = ns;
                }
            }
        }
    }

    private static long call(Variant v, Kernel k) {
        return v.instance().call(k.export(), k.arg())[0];
    }

    // ------------------------------------------------------------------ report

    private static void report(Path file, List<Variant> variants, List<Kernel> kernels, Map<String, Long> checksums, int rounds,
            int warmup) {
        Variant base = variants.get(0);
        List<Variant> others = variants.subList(1, variants.size());
        var out = System.out;
        out.printf(Locale.ROOT, "instrumentation overhead: %s (%d bytes), Chicory compiled, one JVM, %d warm-up + %d measured"
                + " rounds%n", file.getFileName(), base.bytes(), warmup, rounds);
        out.println("    ratio = minimum time of the variant / minimum time of the original (in brackets: ratio of medians);"
                + " every call's checksum equal to the original's");
        out.printf(Locale.ROOT, "    %-10s %9s | %-21s |", "kernel", "argument", "between-events ms");
        for (Variant v : others) {
            out.printf(Locale.ROOT, " %-17s |", v.label());
        }
        out.println();
        double[] logSums = new double[others.size()];
        for (Kernel k : kernels) {
            long[] b = base.times().get(k.name());
            out.printf(Locale.ROOT, "    %-10s %9d | min %6.1f med %6.1f |", k.name(), k.arg(), min(b) / 1e6, median(b) / 1e6);
            for (int i = 0; i < others.size(); i++) {
                long[] t = others.get(i).times().get(k.name());
                double ratio = (double) min(t) / min(b);
                logSums[i] += Math.log(ratio);
                out.printf(Locale.ROOT, " %7.2fx (%6.2fx) |", ratio, median(t) / median(b));
            }
            out.println();
        }
        double[] geomeans = new double[others.size()];
        out.printf(Locale.ROOT, "    %-10s %9s | %-21s |", "geomean", "", "");
        for (int i = 0; i < others.size(); i++) {
            geomeans[i] = Math.exp(logSums[i] / kernels.size());
            out.printf(Locale.ROOT, " %7.2fx %9s |", geomeans[i], "");
        }
        out.println();
        out.printf(Locale.ROOT, "    module bytes: %s %d", base.label(), base.bytes());
        for (Variant v : others) {
            out.printf(Locale.ROOT, ", %s %s", v.label(), v.bytes() < 0 ? "?"
                    : String.format(Locale.ROOT, "%d (%+.0f %%)", v.bytes(), 100.0 * (v.bytes() - base.bytes()) / base.bytes()));
        }
        out.println();
        // the first load also loads and warms up Chicory's compiler: compare the other two
        out.printf(Locale.ROOT, "    load ms (wasm-opt when instrumented, Chicory compile, check; the first warms up the compiler):");
        for (Variant v : variants) {
            out.printf(Locale.ROOT, " %s %.0f", v.label(), v.loadMs());
        }
        out.println();
        out.println("    checksums: " + checksums);
        if (!hugeMethodsCompiled()) {
            out.println("    note: this JVM runs without -XX:-DontCompileHugeMethods (Atoll's nodes use it): big compiled"
                    + " Wasm functions stay interpreted, the ratios are not the nodes'");
        }
        out.printf(Locale.ROOT, "overhead imports=%.2f anywhere=%.2f%n", geomeans[0], geomeans[1]);
    }

    private static long min(long[] t) {
        return Arrays.stream(t).min().orElseThrow();
    }

    private static double median(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    /** Whether the JIT compiles methods over 8000 bytecodes (off by default; on in Atoll's nodes). */
    private static boolean hugeMethodsCompiled() {
        var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        return hotspot != null && "false".equals(hotspot.getVMOption("DontCompileHugeMethods").getValue());
    }

    // ------------------------------------------------------------------ arguments and helpers

    private static int positive(String[] args, int i) {
        try {
            int n = Integer.parseInt(args[i]);
            if (n > 0) {
                return n;
            }
        } catch (ArrayIndexOutOfBoundsException | NumberFormatException e) {
            // falls through to the usage message
        }
        usage(args[i - 1] + " needs a number > 0");
        return 0;
    }

    /** {@code fib=27,qsort=50000}: replaces the default arguments of the kernels named. */
    private static List<Kernel> sizes(String[] args, int i) {
        if (i >= args.length) {
            usage("--sizes needs kernel=n,...");
        }
        Map<String, Integer> map = new LinkedHashMap<>();
        DEFAULT_KERNELS.forEach(k -> map.put(k.name(), k.arg()));
        for (String pair : args[i].split(",")) {
            String[] kv = pair.split("=", 2);
            if (kv.length != 2 || !map.containsKey(kv[0]) || !kv[1].matches("[1-9][0-9]{0,8}")) {
                usage("--sizes: '" + pair + "' is not kernel=n with a kernel in " + map.keySet());
            }
            map.put(kv[0], Integer.parseInt(kv[1]));
        }
        return map.entrySet().stream().map(e -> new Kernel(e.getKey(), e.getValue())).toList();
    }

    private static void usage(String problem) {
        System.err.println("InstrumentationOverhead: " + problem);
        System.err.println("usage: InstrumentationOverhead [--quick] [--rounds N] [--warmup N] [--sizes kernel=n,...] KERNELS.wasm");
        System.exit(2);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
