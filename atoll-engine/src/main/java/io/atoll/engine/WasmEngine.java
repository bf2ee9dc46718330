package io.atoll.engine;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import io.atoll.abi.Abi;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wasm on Chicory: loads modules once (parse, validate, compile), caches them by content hash,
 * checks them against the ABI, and builds cheap instances bound to an {@link AtomHost}.
 * Thread-safe. Never starts threads, touches the network or storage.
 */
public final class WasmEngine {
    private static final int PAGE = 65536;
    private final ConcurrentHashMap<String, CompiledModule> cache = new ConcurrentHashMap<>();
    private final DiskCompileCache diskCache;
    private final Asyncify asyncify;

    /** An engine that compiles in memory only. */
    public WasmEngine() {
        this.diskCache = null;
        this.asyncify = new Asyncify(null);
    }

    /** An engine that also keeps compiled classes in {@code compileCacheDir} across restarts. */
    public WasmEngine(java.nio.file.Path compileCacheDir) {
        DiskCompileCache c;
        try {
            c = new DiskCompileCache(compileCacheDir);
        } catch (java.io.IOException e) {
            org.slf4j.LoggerFactory.getLogger(WasmEngine.class).warn("no compile cache at {}: {}", compileCacheDir, e.getMessage());
            c = null;
        }
        this.diskCache = c;
        this.asyncify = new Asyncify(compileCacheDir);
    }

    /**
     * Loads a module as {@link #load(byte[], ExecutionMode)} does, first instrumenting a module
     * that exports {@code atoll_main} for mid-run capture at {@code points} ({@link Asyncify});
     * with {@link SafePoints#AUTO}, only if it is loop style ({@link ModuleStyle}). The result's
     * hash is that of the instrumented bytes; {@link CompiledModule#midRunCapture()} says
     * whether instrumentation happened (it needs binaryen's wasm-opt).
     */
    public CompiledModule load(byte[] bytes, ExecutionMode mode, SafePoints points) {
        if (points == SafePoints.BETWEEN_EVENTS) {
            return load(bytes, mode);
        }
        WasmModule parsed = parse(bytes);
        if (points == SafePoints.AUTO) {
            // without wasm-opt a loop-style module still goes to instrument(), which says why it cannot
            if (!Asyncify.exports(parsed, Abi.EXPORT_MAIN)
                    || ModuleStyle.servesHandlers(this, load(bytes, ExecutionMode.INTERPRETED))) {
                return load(bytes, mode);
            }
            points = SafePoints.IMPORTS;
        }
        return load(asyncify.instrument(bytes, parsed, points), mode);
    }

    /** Whether this node can instrument modules for mid-run capture (wasm-opt installed). */
    public boolean canInstrument() {
        return asyncify.available();
    }

    /**
     * Parses, validates and compiles a module, or returns the cached result for the same bytes.
     *
     * @throws ModuleException if the bytes are not a valid Wasm module
     */
    public CompiledModule load(byte[] bytes, ExecutionMode mode) {
        String hash = sha256(bytes);
        CompiledModule cached = cache.get(hash + mode);
        if (cached != null) {
            return cached;
        }
        WasmModule module = parse(bytes);
        Set<String> exports = new HashSet<>();
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            exports.add(module.exportSection().getExport(i).name());
        }
        var factory = switch (mode) {
            case COMPILED -> {
                try {
                    yield compile(module);
                } catch (ChicoryException | IllegalArgumentException | IllegalStateException e) {
                    throw new ModuleException("invalid Wasm module: " + e.getMessage(),
                            "the module failed validation; rebuild it with a supported toolchain", e);
                }
            }
            case INTERPRETED -> null;
        };
        CompiledModule compiled = new CompiledModule(hash, module, mode, factory, exports);
        cache.put(hash + mode, compiled);
        return compiled;
    }

    private static WasmModule parse(byte[] bytes) {
        try {
            return Parser.parse(bytes);
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ModuleException("malformed Wasm module: " + e.getMessage(),
                    "check that the file is a WebAssembly binary (.wasm) built for wasm32", e);
        }
    }

    private java.util.function.Function<Instance, com.dylibso.chicory.runtime.Machine> compile(WasmModule module) {
        if (diskCache == null || module.digest() == null) {
            return MachineFactoryCompiler.compile(module);
        }
        try {
            return MachineFactoryCompiler.builder(module).withCache(diskCache).compile();
        } catch (RuntimeException | LinkageError e) {
            // A damaged or foreign cache entry: forget it and compile afresh.
            diskCache.evict(module.digest());
            return MachineFactoryCompiler.compile(module);
        }
    }

    /**
     * Checks a module against ABI version {@value Abi#VERSION} and the granted capabilities: every
     * import provided with the right signature, the required exports present, the initial memory
     * within the limit. Builds a probe instance to read {@code atoll_abi_version}.
     *
     * @throws ModuleException naming every problem found
     */
    public void check(CompiledModule m, InstanceOptions options) {
        List<String> problems = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Set<String> wasiNames = options.wasi() ? wasiNames() : Set.of();
        for (ModuleImport i : m.imports()) {
            if (i.type() == null) {
                missing.add(i.module() + "." + i.name());
            } else if (Abi.IMPORT_MODULE.equals(i.module())) {
                var want = AtollImports.SIGNATURES.get(i.name());
                if (want == null) {
                    missing.add(i.module() + "." + i.name());
                } else if (!want.equals(i.type())) {
                    problems.add("import atoll." + i.name() + " has signature " + i.type().params() + "->"
                            + i.type().returns() + ", ABI v" + Abi.VERSION + " defines " + want.params() + "->" + want.returns());
                }
            } else if (Abi.WASI_MODULE.equals(i.module())) {
                if (!options.wasi()) {
                    problems.add("imports " + i.module() + "." + i.name() + " but the manifest does not grant the 'wasi' capability");
                } else if (!wasiNames.contains(i.name())) {
                    missing.add(i.module() + "." + i.name());
                }
            } else if (m.unwindImports().contains(i.module() + "." + i.name())) {
                // a safe point added by instrumentation (Asyncify.LOG_EXECUTION)
            } else if (!TeaVmShims.provides(i.module(), i.name())) {
                missing.add(i.module() + "." + i.name());
            }
        }
        if (!missing.isEmpty()) {
            problems.add(0, "imports that Atoll does not provide: " + String.join(", ", missing));
        }
        if (!m.exports(Abi.EXPORT_MEMORY)) {
            problems.add("no exported memory named 'memory'");
        }
        if (!m.exports(Abi.EXPORT_ABI_VERSION)) {
            problems.add("no export '" + Abi.EXPORT_ABI_VERSION + "' (is it built with an Atoll SDK?)");
        }
        if (!m.hasMain() && !m.hasMessageHandler()) {
            problems.add("exports neither '" + Abi.EXPORT_MAIN + "' (loop style) nor '" + Abi.EXPORT_ON_MESSAGE + "' (handler style)");
        }
        if (m.hasMessageHandler() && !m.exports(Abi.EXPORT_ALLOC)) {
            problems.add("handler atoms must export '" + Abi.EXPORT_ALLOC + "'");
        }
        if (m.initialMemoryBytes() > options.maxMemoryBytes()) {
            problems.add("needs " + m.initialMemoryBytes() + " bytes of memory at start, the limit is " + options.maxMemoryBytes());
        }
        if (problems.isEmpty()) {
            int version = probeAbiVersion(m, options);
            if (version != Abi.VERSION) {
                problems.add("built for Atoll ABI version " + version + ", this runtime speaks version " + Abi.VERSION);
            }
        }
        if (!problems.isEmpty()) {
            throw new ModuleException("module " + m.hash().substring(0, 12) + " cannot run: " + String.join("; ", problems),
                    "see docs/abi.md for what an atom must import and export");
        }
    }

    private int probeAbiVersion(CompiledModule m, InstanceOptions options) {
        try {
            AtomInstance probe = instantiate(m, new RefusingHost(), options);
            return (int) probe.instance().export(Abi.EXPORT_ABI_VERSION).apply()[0];
        } catch (RuntimeException e) {
            throw new ModuleException("module " + m.hash().substring(0, 12) + " cannot be instantiated: " + e.getMessage(),
                    "the module failed while starting; check its start function and data segments", e);
        }
    }

    /**
     * Builds an instance of a checked module. Runs the module's start section (if any) but none of
     * its exports: call this on the thread that will run the atom.
     */
    public AtomInstance instantiate(CompiledModule m, AtomHost host, InstanceOptions options) {
        ResultBuffer result = new ResultBuffer();
        CallStack stack = new CallStack(m.unwindImports());
        List<HostFunction> functions = new ArrayList<>(List.of(AtollImports.bind(host, result, stack)));
        if (stack.unwindsAt(Asyncify.LOG_EXECUTION)) {
            functions.add(AtollImports.logExecution(host, stack));
        }
        functions.addAll(TeaVmShims.bind(m.imports(), host));
        if (options.wasi()) {
            functions.addAll(List.of(wasi(host, options).toHostFunctions()));
        }
        int maxPages = (int) Math.min(options.maxMemoryBytes() / PAGE, MemoryLimits.MAX_PAGES);
        if (m.declaredMaxPages() > 0) {
            maxPages = Math.min(maxPages, m.declaredMaxPages());
        }
        var builder = Instance.builder(m.module())
                .withImportValues(ImportValues.builder().withFunctions(new ArrayList<>(functions)).build())
                .withMemoryFactory(ByteArrayMemory::new)
                .withMemoryLimits(new MemoryLimits(Math.min(Math.max(0, m.initialMemoryBytes() / PAGE), maxPages), maxPages))
                .withStart(false);
        if (m.machineFactory() != null) {
            builder.withMachineFactory(m.machineFactory());
        }
        try {
            Instance instance = builder.build();
            stack.bind(instance);
            return new AtomInstance(m, instance, result, stack);
        } catch (ChicoryException e) {
            throw new GuestFault(GuestFault.Kind.TRAP, "instantiation failed: " + e.getMessage(), 0, e);
        }
    }

    /**
     * Builds an instance and puts a captured state into it instead of running start-up code:
     * the instance continues where the captured one was (docs: hibernation, migration).
     */
    public AtomInstance restore(CompiledModule m, AtomHost host, InstanceOptions options, InstanceState state) {
        AtomInstance i = instantiate(m, host, options);
        i.restore(state, true);
        return i;
    }

    /**
     * Restores a captured state into {@code staged}, an instance that received the pre-copied
     * memory ({@link AtomInstance#stagePages}); a {@link InstanceState#DELTA} goes on top of it.
     */
    public AtomInstance restoreOnto(AtomInstance staged, InstanceState state) {
        staged.restore(state, true);
        return staged;
    }

    /**
     * Why a state captured from an instance of {@code from} cannot continue in {@code to} (live
     * update; see {@link UpdateCheck}), or an empty list if it can: then a trial restore has
     * worked too. Both modules must be loaded and checked.
     */
    public List<String> updateProblems(CompiledModule from, CompiledModule to, InstanceState state, InstanceOptions options) {
        int[][] oldTables = instantiate(from, new RefusingHost(), options).tables();
        int[][] newTables = instantiate(to, new RefusingHost(), options).tables();
        List<String> problems = UpdateCheck.problems(from, to, state, oldTables, newTables);
        if (problems.isEmpty()) {
            try {
                restoreUpdated(from, to, new RefusingHost(), options, state);
            } catch (RuntimeException e) {
                problems = List.of("restoring its state into the new version failed: " + e.getMessage());
            }
        }
        return problems;
    }

    /**
     * Like {@link #restore}, into another version of the module that passed
     * {@link #updateProblems}: memory, globals and the result buffer are the captured ones (but
     * constants, see {@link UpdateCheck#refreshStaticData}), the function tables the new version's own.
     */
    public AtomInstance restoreUpdated(CompiledModule from, CompiledModule to, AtomHost host, InstanceOptions options,
            InstanceState state) {
        AtomInstance i = instantiate(to, host, options);
        i.restore(state, false);
        UpdateCheck.refreshStaticData(from.module(), to.module(), i.instance().memory());
        return i;
    }

    private static WasiPreview1 wasi(AtomHost host, InstanceOptions options) {
        var opts = WasiOptions.builder()
                .withStdout(new LogStream(host, Abi.LOG_INFO))
                .withStderr(new LogStream(host, Abi.LOG_WARN));
        options.directories().forEach(opts::withDirectory);
        return WasiPreview1.builder().withOptions(opts.build()).build();
    }

    private static Set<String> wasiNames() {
        Set<String> names = new HashSet<>();
        for (HostFunction f : WasiPreview1.builder().build().toHostFunctions()) {
            names.add(f.name());
        }
        return names;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
