package io.atoll.engine;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import io.atoll.abi.Abi;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A parsed, validated and (in {@link ExecutionMode#COMPILED} mode) compiled module: the part of
 * an atom shared by all its instances. Immutable and thread-safe; cached by {@link WasmEngine}.
 */
public final class CompiledModule {
    private final String hash;
    private final WasmModule module;
    private final ExecutionMode mode;
    private final Function<Instance, Machine> machineFactory;
    private final List<ModuleImport> imports;
    private final Set<String> exports;
    private final int initialPages;
    private final int declaredMaxPages;
    private final Set<String> unwindImports;

    CompiledModule(String hash, WasmModule module, ExecutionMode mode, Function<Instance, Machine> machineFactory,
            Set<String> exports) {
        this.hash = hash;
        this.module = module;
        this.mode = mode;
        this.machineFactory = machineFactory;
        this.exports = Set.copyOf(exports);
        this.unwindImports = Asyncify.unwindImportsOf(module);
        List<ModuleImport> list = new ArrayList<>();
        var section = module.importSection();
        for (int i = 0; i < section.importCount(); i++) {
            var imp = section.getImport(i);
            if (imp.importType() == ExternalType.FUNCTION) {
                var type = module.typeSection().getType(((FunctionImport) imp).typeIndex());
                list.add(new ModuleImport(imp.module(), imp.name(), type));
            } else {
                list.add(new ModuleImport(imp.module(), imp.name() + " (" + imp.importType() + ")", null));
            }
        }
        this.imports = List.copyOf(list);
        var mem = module.memorySection();
        if (mem.isPresent() && mem.get().memoryCount() > 0) {
            var limits = mem.get().getMemory(0).limits();
            this.initialPages = limits.initialPages();
            this.declaredMaxPages = limits.maximumPages();
        } else {
            this.initialPages = 0;
            this.declaredMaxPages = 0;
        }
    }

    /** Hex SHA-256 of the module bytes. */
    public String hash() {
        return hash;
    }

    public ExecutionMode mode() {
        return mode;
    }

    public List<ModuleImport> imports() {
        return imports;
    }

    public boolean exports(String name) {
        return exports.contains(name);
    }

    public int initialMemoryBytes() {
        return initialPages * 65536;
    }

    /** Loop style if it has an {@code atoll_main}; see docs/abi.md §1 for the exact rule. */
    public boolean hasMain() {
        return exports(Abi.EXPORT_MAIN);
    }

    /**
     * Whether a loop-style instance can be captured mid-run, with its call stack: the module was
     * instrumented ({@link Asyncify}) and may unwind at {@link #unwindImports()}.
     */
    public boolean midRunCapture() {
        return !unwindImports.isEmpty();
    }

    /** The imports ({@code module.name}) the module may unwind at; empty if not instrumented. */
    public Set<String> unwindImports() {
        return unwindImports;
    }

    public boolean hasMessageHandler() {
        return exports(Abi.EXPORT_ON_MESSAGE);
    }

    WasmModule module() {
        return module;
    }

    Function<Instance, Machine> machineFactory() {
        return machineFactory;
    }

    int declaredMaxPages() {
        return declaredMaxPages;
    }
}
