package io.atoll.engine;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasi.WasiExitException;
import io.atoll.abi.Abi;

/**
 * One running Wasm instance of an atom: its memory, globals and tables, plus the ABI result
 * buffer. Not thread-safe: only the atom's own thread calls it. After a {@link GuestFault} it
 * must be thrown away.
 */
public final class AtomInstance {
    private final CompiledModule module;
    private final Instance instance;
    private final ResultBuffer result;
    private final CallStack stack;
    /** Export handles by name: looking one up costs a map search and an allocation per call. */
    private final java.util.Map<String, com.dylibso.chicory.runtime.ExportFunction> exports = new java.util.HashMap<>();

    AtomInstance(CompiledModule module, Instance instance, ResultBuffer result, CallStack stack) {
        this.module = module;
        this.instance = instance;
        this.result = result;
        this.stack = stack;
    }

    public CompiledModule module() {
        return module;
    }

    Instance instance() {
        return instance;
    }

    /** Runs {@code _initialize} and {@code _start} when exported (docs/abi.md §1). */
    public void start() {
        if (module.exports(Abi.EXPORT_INITIALIZE)) {
            call(Abi.EXPORT_INITIALIZE);
        }
        if (module.exports(Abi.EXPORT_START)) {
            call(Abi.EXPORT_START);
        }
    }

    /**
     * Runs {@code atoll_main}. Returns {@link Abi#MAIN_SERVE} if the atom asked to be served
     * handler calls, otherwise its exit code (the atom has ended) — unless {@link #unwound()}:
     * then it returned because its call stack was captured, and the value means nothing.
     */
    public int runMain() {
        unwound = false;
        long r = call(Abi.EXPORT_MAIN)[0];
        if (stack.instrumented()) {
            try {
                unwound = stack.finishUnwind();
            } catch (RuntimeException e) {
                throw new GuestFault(GuestFault.Kind.TRAP,
                        "the call stack did not fit the 64 KiB save area while capturing mid-run: " + e.getMessage(), 0, e);
            }
        }
        return (int) r;
    }

    private boolean unwound;

    /**
     * True if the last {@link #runMain()} returned because the instance unwound its call stack
     * for a capture: {@link #capture()} now takes it mid-run, and {@link #resumeMain()} goes on.
     */
    public boolean unwound() {
        return unwound;
    }

    /** Resumes {@code atoll_main} where it was captured (in this instance, or a restored one). */
    public int resumeMain() {
        stack.startRewind();
        return runMain();
    }

    /** Whether this instance can be captured with its call stack (module instrumented). */
    public boolean midRunCapture() {
        return stack.instrumented();
    }

    /** Hands one envelope to {@code atoll_on_message}; returns its result code. */
    public int onMessage(byte[] envelope) {
        int ptr = copyIn(envelope);
        return (int) call(Abi.EXPORT_ON_MESSAGE, ptr, envelope.length)[0];
    }

    /** Calls {@code atoll_recover} with a description of the fault, if exported. */
    public void recover(byte[] description) {
        if (module.exports(Abi.EXPORT_RECOVER)) {
            int ptr = copyIn(description);
            call(Abi.EXPORT_RECOVER, ptr, description.length);
        }
    }

    /**
     * Captures memory, globals, tables and the result buffer. Only valid between calls (empty
     * call stack: an idle handler-style atom) or right after {@link #runMain()} unwound.
     */
    public InstanceState capture() {
        return capture(true);
    }

    private InstanceState capture(boolean withMemory) {
        var mem = instance.memory();
        int pages = mem == null ? 0 : mem.pages();
        byte[] memory = pages == 0 || !withMemory ? new byte[0] : InstanceState.deflate(mem.readBytes(0, pages * 65536));
        int g = instance.globalCount();
        long[] low = new long[g];
        long[] high = new long[g];
        for (int i = 0; i < g; i++) {
            low[i] = instance.global(i).getValueLow();
            high[i] = instance.global(i).getValueHigh();
        }
        return new InstanceState(pages, memory, low, high, tables(), result.value(), stack.saveArea(), unwound);
    }

    /**
     * Like {@link #capture()}, but the memory as a {@link InstanceState#DELTA} against {@code base},
     * the raw image the receiver already holds (pre-copy): only the pages that differ.
     */
    public InstanceState capture(byte[] base) {
        InstanceState full = capture(false);
        var mem = instance.memory();
        return full.withMemory(InstanceState.DELTA, InstanceState.delta(base, mem, full.pages()));
    }

    /**
     * A copy of the whole linear memory, safe to take from another thread while the instance runs
     * (pre-copy): a page written meanwhile may be torn, which is fine since the final capture
     * compares every page again.
     */
    public byte[] readMemory() {
        var mem = instance.memory();
        if (mem == null) {
            return new byte[0];
        }
        int pages = mem.pages();
        return mem.readBytes(0, pages * 65536);
    }

    int[][] tables() {
        int[][] tables = new int[instance.tableCount()][];
        for (int t = 0; t < tables.length; t++) {
            var table = instance.table(t);
            tables[t] = new int[table.size()];
            for (int i = 0; i < tables[t].length; i++) {
                tables[t][i] = table.ref(i);
            }
        }
        return tables;
    }

    /**
     * Overwrites this fresh instance's state with a captured one (see {@link WasmEngine#restore});
     * without {@code tables}, the instance keeps its own function tables (live update).
     */
    void restore(InstanceState s, boolean tables) {
        var mem = instance.memory();
        if (s.pages() > 0) {
            if (mem.pages() < s.pages() && mem.grow(s.pages() - mem.pages()) < 0) {
                throw new IllegalStateException("cannot grow memory to " + s.pages() + " pages");
            }
            switch (s.form()) {
                case InstanceState.DEFLATED -> mem.write(0, InstanceState.inflate(s.memory(), s.pages() * 65536));
                case InstanceState.RAW -> mem.write(0, s.memory());
                default -> { // onto the pre-copied base this instance holds already (stagePages)
                    if (!staged) {
                        throw new IllegalStateException("a memory delta needs its pre-copied base first");
                    }
                    InstanceState.writeDelta(s.memory(), mem);
                }
            }
        }
        for (int i = 0; i < s.globalsLow().length; i++) {
            var global = instance.global(i);
            if (global.getMutabilityType() == com.dylibso.chicory.wasm.types.MutabilityType.Var) {
                global.setValueLow(s.globalsLow()[i]);
                global.setValueHigh(s.globalsHigh()[i]);
            }
        }
        for (int t = 0; tables && t < s.tables().length; t++) {
            var table = instance.table(t);
            int[] refs = s.tables()[t];
            if (table.size() < refs.length) {
                table.grow(refs.length - table.size(), com.dylibso.chicory.wasm.types.Value.REF_NULL_VALUE, instance);
            }
            for (int i = 0; i < refs.length; i++) {
                table.setRef(i, refs[i], instance);
            }
        }
        result.set(s.result());
        if (s.saveArea() != 0) {
            if (!stack.instrumented()) {
                throw new IllegalStateException("the state was captured mid-run but this module is not instrumented for it");
            }
            stack.restoreSaveArea(s.saveArea());
        }
        unwound = s.suspended();
    }

    private boolean staged;

    /**
     * Pre-copy on the receiving node: makes this fresh instance's memory {@code pages} pages (all
     * zero at the first call) and writes the given pages, each 64 KiB of {@code data} from
     * {@code offsets}. A later {@link InstanceState#DELTA} restores onto it.
     */
    public void stagePages(int pages, int[] indexes, byte[] data, int[] offsets) {
        var mem = instance.memory();
        if (!staged) {
            mem.zero(); // pages never sent are zero at the source
            staged = true;
        }
        if (mem.pages() < pages && mem.grow(pages - mem.pages()) < 0) {
            throw new IllegalStateException("cannot grow memory to " + pages + " pages (the atom's memory limit here)");
        }
        for (int i = 0; i < indexes.length; i++) {
            mem.write(indexes[i] * 65536, data, offsets[i], 65536);
        }
    }

    public long memoryBytes() {
        var m = instance.memory();
        return m == null ? 0 : (long) m.pages() * 65536;
    }

    private int copyIn(byte[] data) {
        int ptr = (int) call(Abi.EXPORT_ALLOC, data.length)[0];
        if (ptr <= 0 && data.length > 0) {
            throw new GuestFault(GuestFault.Kind.OUT_OF_MEMORY,
                    "atoll_alloc(" + data.length + ") returned " + ptr, 0, null);
        }
        try {
            AtollImports.write(instance.memory(), ptr, data);
        } catch (AtollImports.BadPointer e) {
            throw new GuestFault(GuestFault.Kind.TRAP, "atoll_alloc returned an address outside memory: " + ptr, 0, null);
        }
        return ptr;
    }

    /** Calls an export, turning every way a guest can stop abnormally into a {@link GuestFault}. */
    public long[] call(String export, long... args) {
        try {
            long[] r = exports.computeIfAbsent(export, instance::export).apply(args);
            return r == null ? new long[] {0} : r;
        } catch (StackOverflowError e) {
            throw new GuestFault(GuestFault.Kind.STACK_OVERFLOW, "call stack exhausted in " + export, 0, null);
        } catch (OutOfMemoryError e) {
            throw new GuestFault(GuestFault.Kind.OUT_OF_MEMORY, "host memory exhausted in " + export, 0, null);
        } catch (GuestFault e) {
            throw e;
        } catch (RuntimeException e) {
            throw classify(export, e);
        }
    }

    private static GuestFault classify(String export, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AtomExit exit) {
                return new GuestFault(GuestFault.Kind.EXIT, "exit(" + exit.code() + ")", exit.code(), null);
            }
            if (t instanceof WasiExitException exit) {
                return new GuestFault(GuestFault.Kind.EXIT, "exit(" + exit.exitCode() + ")", exit.exitCode(), null);
            }
            if (t instanceof AtollImports.GuestInterrupt || t instanceof ChicoryInterruptedException) {
                return new GuestFault(GuestFault.Kind.TIMEOUT, "interrupted", 0, null);
            }
            if (t instanceof TrapException) {
                return new GuestFault(GuestFault.Kind.TRAP, "trap in " + export + ": " + t.getMessage(), 0, t);
            }
            if (t instanceof StackOverflowError) {
                return new GuestFault(GuestFault.Kind.STACK_OVERFLOW, "call stack exhausted in " + export, 0, null);
            }
        }
        if (Thread.currentThread().isInterrupted()) {
            return new GuestFault(GuestFault.Kind.TIMEOUT, "interrupted", 0, null);
        }
        // Chicory reports out-of-bounds accesses, divide by zero etc. as WasmRuntimeException.
        if (e instanceof com.dylibso.chicory.wasm.ChicoryException) {
            return new GuestFault(GuestFault.Kind.TRAP, "trap in " + export + ": " + e.getMessage(), 0, e);
        }
        return new GuestFault(GuestFault.Kind.ENGINE, "engine failure in " + export + ": " + e, 0, e);
    }
}
