package io.atoll.build;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;
import org.teavm.diagnostics.Problem;
import org.teavm.diagnostics.ProblemProvider;
import org.teavm.tooling.ConsoleTeaVMToolLog;
import org.teavm.tooling.TeaVMProblemRenderer;
import org.teavm.tooling.TeaVMTargetType;
import org.teavm.tooling.TeaVMTool;
import org.teavm.tooling.TeaVMToolException;
import org.teavm.tooling.TeaVMToolLog;
import org.teavm.vm.TeaVMOptimizationLevel;

/**
 * Compiles Java atoms (a main class plus a classpath) to Wasm modules with TeaVM 0.13.1, target
 * {@code WEBASSEMBLY} (TeaVM's own runtime: not WASI, not Wasm GC).
 *
 * <pre>
 * JavaAtomBuild [options] OUTPUT.wasm MAIN-CLASS [CLASSPATH-ENTRY...]
 * JavaAtomBuild [options] --out-dir DIR --atom NAME=MAIN-CLASS [--atom ...] [CLASSPATH-ENTRY...]
 * </pre>
 *
 * The second form builds several atoms in one JVM, which is much faster than one JVM per atom.
 * Classpath entries (directories or jars; an entry may hold several separated by the platform's
 * path separator) hold the atom's classes and the SDK; TeaVM's class library is added
 * automatically from this tool's own classpath.
 */
public final class JavaAtomBuild {
    static final int DEFAULT_MIN_HEAP = 4 << 20;
    static final int DEFAULT_MAX_HEAP = 48 << 20;

    private static final String USAGE = String.join("\n",
            "usage: JavaAtomBuild [options] OUTPUT.wasm MAIN-CLASS [CLASSPATH-ENTRY...]",
            "       JavaAtomBuild [options] --out-dir DIR --atom NAME=MAIN-CLASS [--atom ...] [CLASSPATH-ENTRY...]",
            "",
            "Compiles Java atoms to Wasm with TeaVM (target WEBASSEMBLY). The main class has a",
            "public static void main(String[]) that registers the atom (Atoll.serve / Atoll.run) and returns.",
            "",
            "options:",
            "  --cp, --classpath ENTRIES  more classpath entries, separated by '" + File.pathSeparator + "'",
            "  --out-dir DIR              where --atom modules go (NAME.wasm)",
            "  --atom NAME=MAIN-CLASS     an atom to build into DIR/NAME.wasm (repeatable)",
            "  --min-heap SIZE            initial (and smallest) Java heap, default 4Mi. TeaVM's GC fails",
            "                             (out of memory, even hangs) on objects above about a quarter of",
            "                             it, so use at least 4x the largest message (default limit 1Mi)",
            "  --max-heap SIZE            maximum Java heap (default 48Mi: the module then fits the",
            "                             default 64Mi memory limit of a manifest)",
            "  --opt LEVEL                simple | advanced | full (default simple: TeaVM 0.13.1's advanced",
            "                             and full levels corrupt the heap of some atoms, see README)",
            "  --debug                    keep names and emit debug information (bigger module)",
            "  --force                    rebuild even if the module is newer than its inputs",
            "  --verbose                  print TeaVM's progress",
            "  -h, --help                 this text",
            "",
            "SIZE: bytes or with a suffix Ki, Mi (e.g. 512Ki, 4Mi).");

    /** One atom to build. */
    record Atom(String name, String mainClass, Path output) {
    }

    /** Parsed command line. */
    static final class Options {
        final List<Atom> atoms = new ArrayList<>();
        final List<File> classPath = new ArrayList<>();
        int minHeap = DEFAULT_MIN_HEAP;
        int maxHeap = DEFAULT_MAX_HEAP;
        /**
         * SIMPLE: with ADVANCED or FULL, TeaVM 0.13.1 built a Coordinator of examples/kvstore whose
         * heap was corrupted after a few seconds of messages (a trap at a garbage address, in the
         * interpreter too); the same source at SIMPLE ran for minutes. See the README.
         */
        TeaVMOptimizationLevel optimization = TeaVMOptimizationLevel.SIMPLE;
        boolean debug;
        boolean verbose;
        boolean help;
        boolean force;

        /** What, besides the inputs, decides the output: a change rebuilds. */
        String stamp(Atom atom) {
            return "main=" + atom.mainClass() + " minHeap=" + minHeap + " maxHeap=" + maxHeap + " opt=" + optimization
                    + " debug=" + debug + " classpath=" + classPath;
        }
    }

    /** Thrown for a bad command line or a failed build; the message says what to do. */
    public static final class BuildFailedException extends RuntimeException {
        public BuildFailedException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private JavaAtomBuild() {
    }

    /**
     * Command-line entry point. On failure prints the reason and exits with status 1; with the
     * system property {@code atoll.build.noExit=true} (running inside another program, e.g. Maven's
     * exec:java) it throws {@link BuildFailedException} instead.
     */
    public static void main(String[] args) {
        try {
            Options options = parse(args);
            if (options.help) {
                System.out.println(USAGE);
                return;
            }
            build(options, System.out, System.err);
        } catch (BuildFailedException e) {
            System.err.println("atoll-wasm-build: " + e.getMessage());
            if (Boolean.getBoolean("atoll.build.noExit")) {
                throw e;
            }
            System.exit(1);
        }
    }

    /** Builds every atom of {@code options}; returns the modules written. */
    public static List<Path> build(Options options, PrintStream out, PrintStream err) {
        List<File> userClassPath = checkClassPath(options.classPath);
        List<File> fullClassPath = new ArrayList<>(userClassPath);
        for (File f : toolClassPath()) {
            if (!fullClassPath.contains(f)) {
                fullClassPath.add(f);
            }
        }
        for (Atom atom : options.atoms) {
            checkMainClass(atom.mainClass(), userClassPath);
        }
        List<Path> written = new ArrayList<>();
        long newestInput = options.force ? Long.MAX_VALUE : newestModification(fullClassPath);
        URL[] urls = fullClassPath.stream().map(JavaAtomBuild::toUrl).toArray(URL[]::new);
        try (URLClassLoader loader = new URLClassLoader(urls, JavaAtomBuild.class.getClassLoader())) {
            for (Atom atom : options.atoms) {
                if (upToDate(atom, options, newestInput)) {
                    out.printf(Locale.ROOT, "atoll-wasm-build: %s is up to date%n", atom.output());
                    written.add(atom.output());
                    continue;
                }
                long start = System.nanoTime();
                buildOne(atom, options, fullClassPath, loader, err);
                long ms = (System.nanoTime() - start) / 1_000_000;
                WasmInfo info = WasmInfo.read(atom.output());
                checkModule(atom, info);
                out.printf(Locale.ROOT, "atoll-wasm-build: %s -> %s (%,d bytes, %d ms)%n", atom.mainClass(),
                        atom.output(), info.size(), ms);
                written.add(atom.output());
                Files.writeString(stampFile(atom), options.stamp(atom));
            }
        } catch (IOException e) {
            throw new BuildFailedException("I/O error: " + e);
        }
        return written;
    }

    private static Path stampFile(Atom atom) {
        return atom.output().resolveSibling(atom.output().getFileName() + ".stamp");
    }

    /** The output exists, is newer than every input file and was built with the same options. */
    private static boolean upToDate(Atom atom, Options options, long newestInput) {
        try {
            Path stamp = stampFile(atom);
            return Files.isRegularFile(atom.output()) && Files.isRegularFile(stamp)
                    && Files.getLastModifiedTime(atom.output()).toMillis() > newestInput
                    && Files.readString(stamp).equals(options.stamp(atom));
        } catch (IOException e) {
            return false;
        }
    }

    /** The newest modification time of the classpath: jars, and every file under directories. */
    private static long newestModification(List<File> classPath) {
        long newest = 0;
        for (File f : classPath) {
            if (f.isDirectory()) {
                try (var files = Files.walk(f.toPath())) {
                    // built modules copied into a classes directory (as examples/ does) are outputs, not inputs
                    newest = Math.max(newest, files.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().endsWith(".wasm"))
                            .mapToLong(p -> p.toFile().lastModified()).max().orElse(0));
                } catch (IOException | java.io.UncheckedIOException e) {
                    return Long.MAX_VALUE;
                }
            } else {
                newest = Math.max(newest, f.lastModified());
            }
        }
        return newest;
    }

    private static void buildOne(Atom atom, Options options, List<File> classPath, ClassLoader loader,
            PrintStream err) {
        Path output = atom.output().toAbsolutePath();
        Path dir = output.getParent();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(output);
        } catch (IOException e) {
            throw new BuildFailedException("cannot write " + output + ": " + e.getMessage());
        }
        TeaVMTool tool = new TeaVMTool();
        tool.setTargetType(TeaVMTargetType.WEBASSEMBLY);
        tool.setMainClass(atom.mainClass());
        tool.setTargetDirectory(dir.toFile());
        tool.setTargetFileName(output.getFileName().toString());
        tool.setClassLoader(loader);
        tool.setClassPath(classPath);
        tool.setMinHeapSize(options.minHeap);
        tool.setMaxHeapSize(options.maxHeap);
        tool.setOptimizationLevel(options.optimization);
        tool.setObfuscated(!options.debug);
        tool.setDebugInformationGenerated(options.debug);
        tool.setIncremental(false);
        ConsoleTeaVMToolLog consoleLog = new ConsoleTeaVMToolLog(options.verbose);
        TeaVMToolLog log = options.verbose ? consoleLog : new ErrorsOnlyLog(consoleLog);
        tool.setLog(log);
        try {
            tool.generate();
        } catch (TeaVMToolException | RuntimeException e) {
            throw new BuildFailedException("TeaVM failed on " + atom.mainClass() + ": " + e);
        }
        ProblemProvider problems = tool.getProblemProvider();
        if (!problems.getProblems().isEmpty()) {
            TeaVMProblemRenderer.describeProblems(tool.getDependencyInfo().getCallGraph(), problems, log);
        }
        List<Problem> severe = problems.getSevereProblems();
        if (!severe.isEmpty()) {
            throw new BuildFailedException(atom.mainClass() + ": TeaVM reported " + severe.size()
                    + " error(s) (printed above). Usually a JDK class or method missing from TeaVM's class"
                    + " library, or a missing classpath entry");
        }
        if (!Files.isRegularFile(output)) {
            throw new BuildFailedException("TeaVM wrote no " + output);
        }
        // TeaVM also writes a JavaScript loader (and, with debug, C and text versions): not ours to ship.
        if (!options.debug) {
            try {
                Files.deleteIfExists(dir.resolve(output.getFileName() + "-runtime.js"));
            } catch (IOException e) {
                // harmless leftover
            }
        }
    }

    /** Refuses modules the runtime would refuse, with the reason in the atom author's terms. */
    private static void checkModule(Atom atom, WasmInfo info) {
        if (!info.exports().contains("atoll_abi_version")
                || !(info.exports().contains("atoll_main") || info.exports().contains("atoll_on_message"))) {
            throw new BuildFailedException(atom.output() + " exports no atoll_abi_version / atoll_main /"
                    + " atoll_on_message: " + atom.mainClass() + ".main must register the atom with"
                    + " io.atoll.sdk.Atoll.serve(...) or Atoll.run(...)");
        }
        for (String imp : info.imports()) {
            if (!imp.startsWith("atoll.") && !imp.startsWith("teavm.") && !imp.startsWith("teavmMath.")) {
                System.err.println("atoll-wasm-build: warning: " + atom.output().getFileName()
                        + " imports " + imp + ", which the Atoll runtime does not provide");
            }
        }
    }

    // ------------------------------------------------------------------ command line

    static Options parse(String[] args) {
        Options o = new Options();
        List<String> positional = new ArrayList<>();
        Path outDir = null;
        Map<String, String> atoms = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case "--cp", "--classpath", "-cp" -> addEntries(o.classPath, value(args, ++i, a));
                case "--out-dir" -> outDir = Path.of(value(args, ++i, a));
                case "--atom" -> {
                    String v = value(args, ++i, a);
                    int eq = v.indexOf('=');
                    if (eq <= 0 || eq == v.length() - 1) {
                        throw new BuildFailedException("--atom wants NAME=MAIN-CLASS, got '" + v + "'");
                    }
                    String name = v.substring(0, eq);
                    if (atoms.put(name, v.substring(eq + 1)) != null) {
                        throw new BuildFailedException("atom '" + name + "' given twice");
                    }
                }
                case "--min-heap" -> o.minHeap = size(value(args, ++i, a), a);
                case "--max-heap" -> o.maxHeap = size(value(args, ++i, a), a);
                case "--opt" -> {
                    String v = value(args, ++i, a);
                    try {
                        o.optimization = TeaVMOptimizationLevel.valueOf(v.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new BuildFailedException("--opt wants simple, advanced or full, got '" + v + "'");
                    }
                }
                case "--debug" -> o.debug = true;
                case "--force" -> o.force = true;
                case "--verbose" -> o.verbose = true;
                default -> {
                    if (a.startsWith("-") && a.length() > 1) {
                        throw new BuildFailedException("unknown option " + a + "\n" + USAGE);
                    }
                    positional.add(a);
                }
            }
        }
        if (o.help) {
            return o;
        }
        if (atoms.isEmpty()) {
            if (outDir != null) {
                throw new BuildFailedException("--out-dir needs at least one --atom NAME=MAIN-CLASS");
            }
            if (positional.size() < 2) {
                throw new BuildFailedException("missing OUTPUT.wasm and MAIN-CLASS\n" + USAGE);
            }
            Path output = Path.of(positional.get(0));
            String main = positional.get(1);
            o.atoms.add(new Atom(output.getFileName().toString().replaceFirst("\\.wasm$", ""), main, output));
            positional = positional.subList(2, positional.size());
        } else {
            if (outDir == null) {
                throw new BuildFailedException("--atom needs --out-dir DIR");
            }
            for (Map.Entry<String, String> e : atoms.entrySet()) {
                o.atoms.add(new Atom(e.getKey(), e.getValue(), outDir.resolve(e.getKey() + ".wasm")));
            }
        }
        for (String p : positional) {
            addEntries(o.classPath, p);
        }
        if (o.minHeap < 64 << 10) {
            throw new BuildFailedException("--min-heap must be at least 64Ki");
        }
        if (o.maxHeap < o.minHeap) {
            throw new BuildFailedException("--max-heap (" + o.maxHeap + ") is below --min-heap (" + o.minHeap + ")");
        }
        for (Atom atom : o.atoms) {
            if (!atom.mainClass().matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*")) {
                throw new BuildFailedException("'" + atom.mainClass() + "' is not a class name (want e.g. com.example.MyAtom)");
            }
        }
        return o;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new BuildFailedException(option + " needs a value");
        }
        return args[i];
    }

    private static void addEntries(List<File> to, String entries) {
        for (String e : entries.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
            if (!e.isBlank()) {
                to.add(new File(e.trim()));
            }
        }
    }

    static int size(String v, String option) {
        String s = v.trim();
        long mult = 1;
        if (s.endsWith("Ki") || s.endsWith("K") || s.endsWith("k")) {
            mult = 1 << 10;
        } else if (s.endsWith("Mi") || s.endsWith("M") || s.endsWith("m")) {
            mult = 1 << 20;
        }
        String digits = s.replaceFirst("(Ki|Mi|K|M|k|m)$", "");
        try {
            long n = Long.parseLong(digits) * mult;
            if (n <= 0 || n > 1L << 30) {
                throw new BuildFailedException(option + " must be between 1 byte and 1Gi, got " + v);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new BuildFailedException(option + " wants a size like 512Ki or 4Mi, got '" + v + "'");
        }
    }

    // ------------------------------------------------------------------ class path

    private static List<File> checkClassPath(List<File> entries) {
        List<File> out = new ArrayList<>();
        for (File f : entries) {
            if (!f.exists()) {
                throw new BuildFailedException("classpath entry " + f + " does not exist"
                        + (f.getPath().contains("classes") ? " (compile the atom's classes first)" : ""));
            }
            File abs = f.getAbsoluteFile();
            if (!out.contains(abs)) {
                out.add(abs);
            }
        }
        return out;
    }

    private static void checkMainClass(String mainClass, List<File> classPath) {
        String entry = mainClass.replace('.', '/') + ".class";
        for (File f : classPath) {
            if (f.isDirectory() && new File(f, entry).isFile()) {
                return;
            }
            if (f.isFile()) {
                try (ZipFile zip = new ZipFile(f)) {
                    if (zip.getEntry(entry) != null) {
                        return;
                    }
                } catch (IOException e) {
                    throw new BuildFailedException("classpath entry " + f + " is neither a directory nor a jar: " + e.getMessage());
                }
            }
        }
        throw new BuildFailedException("main class " + mainClass + " not found in the classpath " + classPath);
    }

    /**
     * The jars and directories this tool runs from: TeaVM's class library, runtime and interop
     * classes must be on the classpath TeaVM compiles against.
     */
    static List<File> toolClassPath() {
        Set<File> files = new LinkedHashSet<>();
        ClassLoader own = JavaAtomBuild.class.getClassLoader();
        if (own instanceof URLClassLoader u) {
            for (URL url : u.getURLs()) {
                File f = toFile(url);
                if (f != null) {
                    files.add(f);
                }
            }
        }
        String cp = System.getProperty("java.class.path", "");
        for (String e : cp.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
            if (!e.isBlank()) {
                files.add(new File(e).getAbsoluteFile());
            }
        }
        // Whatever the class loader, make sure the jars holding TeaVM's own classes are there.
        for (String marker : new String[] {"org.teavm.classlib.impl.JCLPlugin",
                "org.teavm.backend.wasm.runtime.WasmSupport", "org.teavm.interop.Import",
                "org.teavm.platform.Platform", "org.teavm.jso.JSObject"}) {
            try {
                Class<?> c = Class.forName(marker, false, own);
                URL loc = c.getProtectionDomain().getCodeSource().getLocation();
                File f = toFile(loc);
                if (f != null) {
                    files.add(f);
                }
            } catch (ClassNotFoundException | SecurityException | NullPointerException e) {
                // not needed or not locatable: TeaVM reports missing classes itself
            }
        }
        List<File> out = new ArrayList<>();
        for (File f : files) {
            if (f.exists() && !f.getName().startsWith("plexus-classworlds")) {
                out.add(f);
            }
        }
        return out;
    }

    private static File toFile(URL url) {
        if (!"file".equals(url.getProtocol())) {
            return null;
        }
        try {
            return new File(url.toURI()).getAbsoluteFile();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static URL toUrl(File f) {
        try {
            return f.toURI().toURL();
        } catch (IOException e) {
            throw new BuildFailedException("bad classpath entry " + f);
        }
    }

    /** Passes warnings and errors through, drops TeaVM's progress chatter. */
    private static final class ErrorsOnlyLog implements TeaVMToolLog {
        private final TeaVMToolLog delegate;

        ErrorsOnlyLog(TeaVMToolLog delegate) {
            this.delegate = delegate;
        }

        @Override
        public void info(String text) {
        }

        @Override
        public void debug(String text) {
        }

        @Override
        public void warning(String text) {
            delegate.warning(text);
        }

        @Override
        public void error(String text) {
            delegate.error(text);
        }

        @Override
        public void info(String text, Throwable e) {
        }

        @Override
        public void debug(String text, Throwable e) {
        }

        @Override
        public void warning(String text, Throwable e) {
            delegate.warning(text, e);
        }

        @Override
        public void error(String text, Throwable e) {
            delegate.error(text, e);
        }
    }
}
