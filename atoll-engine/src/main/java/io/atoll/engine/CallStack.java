package io.atoll.engine;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import java.util.Set;

/**
 * Unwinding and rewinding the call stack of an instrumented instance ({@link Asyncify}). The
 * stack goes to a save area: one page grown at the end of memory, reused while memory keeps that
 * size. Once the guest has grown memory, a new page is reserved at the next capture: TeaVM's heap
 * grows from where it believes memory ends, so it takes over the old page as its own. Atom thread only.
 *
 * <p>Rule: an import that may unwind decides before doing anything ({@link #beforeImport}); on
 * rewind the same call runs again with the same arguments, and happens once, after the resume.
 */
final class CallStack {
    private static final int SAVE_AREA = 65536;
    private final Set<String> unwindImports;
    private Instance instance;
    private ExportFunction startUnwind;
    private ExportFunction stopUnwind;
    private ExportFunction startRewind;
    private ExportFunction stopRewind;
    private int saveArea; // 0: none reserved yet
    private int pagesWhenReserved; // memory size right after the save page was reserved
    private boolean rewinding;
    private boolean unwound;

    CallStack(Set<String> unwindImports) {
        this.unwindImports = unwindImports;
    }

    void bind(Instance instance) {
        this.instance = instance;
        if (!unwindImports.isEmpty()) {
            startUnwind = instance.export("asyncify_start_unwind");
            stopUnwind = instance.export("asyncify_stop_unwind");
            startRewind = instance.export("asyncify_start_rewind");
            stopRewind = instance.export("asyncify_stop_rewind");
        }
    }

    boolean instrumented() {
        return !unwindImports.isEmpty();
    }

    boolean unwindsAt(String qualifiedImport) {
        return unwindImports.contains(qualifiedImport);
    }

    /**
     * Called first by every import the module may unwind at. Returns true if the instance is
     * now unwinding: the import must return at once without any effect.
     */
    boolean beforeImport(String qualifiedImport, AtomHost host) {
        if (rewinding) { // the resumed stack reached the call it was captured in: run it for real
            rewinding = false;
            stopRewind.apply();
            return false;
        }
        return unwindsAt(qualifiedImport) && host.captureRequested() && unwind();
    }

    /** Starts unwinding from inside an import; false if there is no room for the save area. */
    boolean unwind() {
        Memory mem = instance.memory();
        if (saveArea == 0 || mem.pages() != pagesWhenReserved) {
            int old = mem.grow(1);
            if (old < 0) {
                return false;
            }
            saveArea = old * 65536;
            pagesWhenReserved = old + 1;
        }
        mem.writeI32(saveArea, saveArea + 8);
        mem.writeI32(saveArea + 4, saveArea + SAVE_AREA);
        startUnwind.apply(saveArea);
        unwound = true;
        return true;
    }

    /** After the entry export returned: true if it returned because it unwound (not an exit). */
    boolean finishUnwind() {
        if (!unwound) {
            return false;
        }
        unwound = false;
        stopUnwind.apply(); // traps if the stack overflowed the save area
        return true;
    }

    /** Arms a rewind from the save area; the next call of the entry export resumes the stack. */
    void startRewind() {
        if (saveArea == 0) {
            throw new IllegalStateException("no captured call stack to resume");
        }
        startRewind.apply(saveArea);
        rewinding = true;
    }

    int saveArea() {
        return saveArea;
    }

    /** After the captured memory was written into this instance. */
    void restoreSaveArea(int address) {
        this.saveArea = address;
        this.pagesWhenReserved = instance.memory().pages();
    }
}
