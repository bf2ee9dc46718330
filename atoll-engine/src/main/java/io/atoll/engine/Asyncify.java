package io.atoll.engine;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.UnknownCustomSection;
import io.atoll.abi.Abi;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes loop-style modules capturable mid-run (docs/design/mid-run-capture.md): binaryen's
 * {@code wasm-opt --asyncify} rewrites a module so that it can unwind its call stack into linear
 * memory at chosen import calls and rewind it later, in this or another instance.
 *
 * <p>wasm-opt runs as an external tool (binaryen, installed by scripts/setup-toolchain.sh); its
 * output is cached by input hash and arguments. The result carries a custom section
 * {@value #SECTION} listing the imports it may unwind at: unwinding anywhere else corrupts the
 * instance, so the engine reads the list from the module itself, never from configuration.
 * Without wasm-opt, modules stay as they are (capturable between events only) and a warning says why.
 */
public final class Asyncify {
    private static final Logger LOG = LoggerFactory.getLogger(Asyncify.class);
    /** The custom section naming the imports an instrumented module may unwind at. */
    public static final String SECTION = "atoll.safe-points";
    /** The import binaryen's {@code --log-execution} adds at loop headers and function entries. */
    static final String LOG_EXECUTION = "env.log_execution";
    static final List<String> EXPORTS = List.of(
            "asyncify_start_unwind", "asyncify_stop_unwind", "asyncify_start_rewind", "asyncify_stop_rewind");

    /** wasm-opt and its version, found once per process ({@code ATOLL_WASM_OPT} names another binary). */
    private record Tool(String path, String version) {}

    private static volatile Tool tool;

    private static Tool tool() {
        Tool t = tool;
        if (t == null) {
            String path = System.getenv().getOrDefault("ATOLL_WASM_OPT", "wasm-opt");
            String v = run(List.of(path, "--version"));
            t = new Tool(v == null ? null : path, v == null ? "" : v.trim());
            tool = t;
        }
        return t;
    }

    private final String wasmOpt; // null: not installed
    private final String version;
    private final Path cacheDir; // null: memory only
    private volatile boolean warned;
    /** Instrumented modules by input hash and arguments, for every engine of this process (nodes in one JVM, tests). */
    private static final ConcurrentHashMap<String, byte[]> memory = new ConcurrentHashMap<>();

    /**
     * Output is cached on disk, shared by the nodes of this machine: in {@code ATOLL_CACHE_DIR} or
     * {@code ~/.cache/atoll}, else in {@code nodeCacheDir} (the node's own cache directory, may be null).
     */
    Asyncify(Path nodeCacheDir) {
        Tool t = tool();
        this.wasmOpt = t.path();
        this.version = t.version();
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("ATOLL_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".cache", "atoll"));
        if (nodeCacheDir != null) {
            candidates.add(nodeCacheDir);
        }
        Path dir = null;
        for (Path c : candidates) {
            try {
                dir = Files.createDirectories(c.resolve("asyncify"));
                if (Files.isWritable(dir)) {
                    break;
                }
                dir = null;
            } catch (IOException | RuntimeException e) {
                LOG.debug("no asyncify cache at {}: {}", c, e.getMessage());
            }
        }
        this.cacheDir = dir;
    }

    /** Whether wasm-opt was found; without it no module can be instrumented. */
    public boolean available() {
        return wasmOpt != null;
    }

    /** The imports at which modules may unwind for a given setting, as {@code module.name}. */
    static List<String> unwindImports(SafePoints points) {
        List<String> list = new ArrayList<>();
        for (String name : AtollImports.SIGNATURES.keySet()) {
            if (!name.equals("exit")) { // exit never returns: nothing to resume
                list.add(Abi.IMPORT_MODULE + "." + name);
            }
        }
        if (points == SafePoints.ANYWHERE) {
            list.add(LOG_EXECUTION);
        }
        return list;
    }

    /**
     * Returns the module instrumented for {@code points}, or {@code bytes} unchanged when it needs
     * nothing (not loop style, already instrumented, {@link SafePoints#BETWEEN_EVENTS}) or cannot
     * be instrumented (no wasm-opt; then a warning is logged once).
     *
     * @throws ModuleException if wasm-opt rejects the module
     */
    byte[] instrument(byte[] bytes, WasmModule parsed, SafePoints points) {
        if (points == SafePoints.BETWEEN_EVENTS || !exports(parsed, Abi.EXPORT_MAIN) || parsed.customSection(SECTION) != null
                || exports(parsed, EXPORTS.get(0))) {
            return bytes;
        }
        if (wasmOpt == null) {
            if (!warned) {
                warned = true;
                LOG.warn("wasm-opt (binaryen) not found: loop-style atoms can only move between events;"
                        + " install it with scripts/setup-toolchain.sh binaryen");
            }
            return bytes;
        }
        List<String> imports = unwindImports(points);
        List<String> args = new ArrayList<>();
        if (points == SafePoints.ANYWHERE) {
            args.add("--log-execution");
        }
        args.add("--asyncify");
        args.add("--pass-arg=asyncify-imports@" + String.join(",", imports));
        args.add("-O2");
        // No inlining of functions with one caller, whatever their size: -O2 would merge a TeaVM
        // module's call chain into one 30 KB function, a JVM method too big for HotSpot to compile
        // (interpreted, or tens of seconds of C2 time holding up every other compilation).
        args.add("--one-caller-inline-max-function-size=0");
        if (parsed.customSection("target_features") == null) {
            // e.g. TeaVM writes no feature section: wasm-opt would refuse its bulk-memory code
            args.addAll(List.of("--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
                    "--enable-mutable-globals"));
        }
        String key = WasmEngine.sha256(bytes).substring(0, 32) + "-"
                + WasmEngine.sha256((version + args).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        byte[] cached = memory.get(key);
        if (cached == null) {
            cached = fromDisk(key);
        }
        if (cached == null) {
            long t0 = System.nanoTime();
            cached = withSection(runWasmOpt(bytes, args), String.join(",", imports));
            LOG.info("instrumented a {} KB module for mid-run capture ({}) in {} ms", bytes.length / 1024,
                    points.name().toLowerCase(), (System.nanoTime() - t0) / 1_000_000);
            toDisk(key, cached);
        }
        memory.put(key, cached);
        return cached;
    }

    static boolean exports(WasmModule m, String name) {
        for (int i = 0; i < m.exportSection().exportCount(); i++) {
            if (m.exportSection().getExport(i).name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The imports a loaded module was instrumented to unwind at (empty: not instrumented). */
    static Set<String> unwindImportsOf(WasmModule m) {
        if (!(m.customSection(SECTION) instanceof UnknownCustomSection s)) {
            return Set.of();
        }
        for (String e : EXPORTS) {
            if (!exports(m, e)) {
                return Set.of();
            }
        }
        return Set.copyOf(new LinkedHashSet<>(List.of(new String(s.bytes(), StandardCharsets.UTF_8).split(","))));
    }

    private byte[] runWasmOpt(byte[] bytes, List<String> args) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("atoll-asyncify");
            Path in = dir.resolve("in.wasm");
            Path out = dir.resolve("out.wasm");
            Files.write(in, bytes);
            List<String> cmd = new ArrayList<>(List.of(wasmOpt, in.toString()));
            cmd.addAll(args);
            cmd.addAll(List.of("-o", out.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ModuleException("wasm-opt took longer than 120 s to instrument the module", null);
            }
            if (p.exitValue() != 0 || !Files.exists(out)) {
                String text = new String(output, StandardCharsets.UTF_8).strip();
                throw new ModuleException("wasm-opt could not instrument the module for mid-run capture: "
                        + (text.length() > 400 ? text.substring(0, 400) + "..." : text),
                        "set 'safe-points: between-events' in the manifest to deploy it without instrumentation");
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new ModuleException("cannot run wasm-opt: " + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModuleException("interrupted while instrumenting the module", null, e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory left behind
                }
            }
        }
    }

    /** Appends a custom section (id 0, LEB128 sizes): valid at the end of any module. */
    static byte[] withSection(byte[] module, String payload) {
        byte[] name = SECTION.getBytes(StandardCharsets.UTF_8);
        byte[] data = payload.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        leb(body, name.length);
        body.writeBytes(name);
        body.writeBytes(data);
        ByteArrayOutputStream all = new ByteArrayOutputStream(module.length + body.size() + 8);
        all.writeBytes(module);
        all.write(0);
        leb(all, body.size());
        all.writeBytes(body.toByteArray());
        return all.toByteArray();
    }

    private static void leb(ByteArrayOutputStream out, int v) {
        do {
            int b = v & 0x7f;
            v >>>= 7;
            out.write(v == 0 ? b : b | 0x80);
        } while (v != 0);
    }

    private byte[] fromDisk(String key) {
        if (cacheDir == null) {
            return null;
        }
        try {
            Path f = cacheDir.resolve(key + ".wasm");
            if (!Files.exists(f)) {
                return null;
            }
            byte[] b = Files.readAllBytes(f);
            Parser.parse(b); // a damaged entry is recomputed
            return b;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void toDisk(String key, byte[] bytes) {
        if (cacheDir == null) {
            return;
        }
        try {
            Path tmp = Files.createTempFile(cacheDir, "entry", ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, cacheDir.resolve(key + ".wasm"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.debug("asyncify cache write failed: {}", e.getMessage());
        }
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
