package io.atoll.engine;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.Instruction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether the captured state of an instance of one module can continue in another version of it
 * (live update, docs/migration.md): the state is memory, globals and tables by position, so the
 * new version must lay them out the same way. What it checks:
 *
 * <ul>
 *   <li>captured between events (a call stack belongs to the old code);
 *   <li>globals: same number, each with the same type and mutability;
 *   <li>memory: the new version's limits admit the captured size;
 *   <li>static data: active data segments at the same offsets with the same lengths. The memory
 *       is the atom's; a segment the atom never wrote to (its bytes still the old version's
 *       initial ones, such as constant strings) takes the new version's bytes, see
 *       {@link #refreshStaticData};
 *   <li>tables: the same sizes; the atom must not have changed its tables at run time, since the
 *       new version's function table replaces the old one (function pointers are table indexes).
 * </ul>
 */
final class UpdateCheck {
    private UpdateCheck() {}

    static List<String> problems(CompiledModule from, CompiledModule to, InstanceState state, int[][] freshOldTables,
            int[][] freshNewTables) {
        List<String> p = new ArrayList<>();
        if (state.suspended()) {
            p.add("it was captured with a call stack (a loop-style atom): a call stack belongs to the old code,"
                    + " so only handler-style atoms can be updated live");
        }
        if (from.hasMain() != to.hasMain() || from.hasMessageHandler() != to.hasMessageHandler()) {
            p.add("the new version has another style (atoll_main / atoll_on_message exports differ)");
        }
        WasmModule a = from.module();
        WasmModule b = to.module();
        int ga = a.globalSection().globalCount();
        int gb = b.globalSection().globalCount();
        if (ga != gb) {
            p.add("the new version has " + gb + " globals, the running one " + ga);
        } else {
            for (int i = 0; i < ga; i++) {
                var x = a.globalSection().getGlobal(i);
                var y = b.globalSection().getGlobal(i);
                if (!x.valueType().equals(y.valueType()) || x.mutabilityType() != y.mutabilityType()) {
                    p.add("global " + i + " is " + x.mutabilityType() + " " + x.valueType() + " in the running version, "
                            + y.mutabilityType() + " " + y.valueType() + " in the new one");
                }
            }
        }
        if (to.initialMemoryBytes() > (long) state.pages() * 65536) {
            p.add("the new version needs " + to.initialMemoryBytes() / 65536 + " pages of memory at start, the atom has "
                    + state.pages());
        }
        if (to.declaredMaxPages() > 0 && to.declaredMaxPages() < state.pages()) {
            p.add("the new version allows at most " + to.declaredMaxPages() + " pages of memory, the atom has " + state.pages());
        }
        String da = dataLayout(a);
        String db = dataLayout(b);
        if (!da.equals(db)) {
            p.add("its static data is laid out differently (data segments at offset:length " + db + " instead of " + da
                    + "): the memory would not match the new code");
        }
        if (freshOldTables.length != freshNewTables.length) {
            p.add("the new version has " + freshNewTables.length + " tables, the running one " + freshOldTables.length);
        } else {
            for (int t = 0; t < freshOldTables.length; t++) {
                if (freshOldTables[t].length != freshNewTables[t].length) {
                    p.add("table " + t + " has " + freshNewTables[t].length + " entries in the new version, "
                            + freshOldTables[t].length + " in the running one: function pointers would call other functions");
                } else if (!Arrays.equals(freshOldTables[t], state.tables()[t])) {
                    p.add("the atom changed table " + t + " at run time: its entries cannot be carried into new code");
                }
            }
        }
        return p;
    }

    /**
     * After the captured memory is in place: each active data segment whose bytes are still the old
     * version's initial ones (never written by the atom: constants) gets the new version's bytes,
     * so changed constants take effect. A segment the atom wrote to keeps its bytes.
     */
    static void refreshStaticData(WasmModule from, WasmModule to, com.dylibso.chicory.runtime.Memory memory) {
        if (from.dataSection() == null || to.dataSection() == null) {
            return;
        }
        DataSegment[] old = from.dataSection().dataSegments();
        DataSegment[] fresh = to.dataSection().dataSegments();
        for (int i = 0; i < Math.min(old.length, fresh.length); i++) {
            long at = constantOffset(old[i]);
            if (at < 0 || at != constantOffset(fresh[i]) || old[i].data().length != fresh[i].data().length) {
                continue;
            }
            int n = old[i].data().length;
            if (at + n <= (long) memory.pages() * 65536 && Arrays.equals(memory.readBytes((int) at, n), old[i].data())) {
                memory.write((int) at, fresh[i].data());
            }
        }
    }

    /** An active segment's offset when it is an {@code i32.const}, else -1. */
    private static long constantOffset(DataSegment d) {
        if (d instanceof ActiveDataSegment a && a.offsetInstructions().size() >= 1
                && a.offsetInstructions().get(0).opcode() == com.dylibso.chicory.wasm.types.OpCode.I32_CONST) {
            return a.offsetInstructions().get(0).operands()[0];
        }
        return -1;
    }

    /** "offset:length ..." of the active data segments (passive ones as "p:length"). */
    private static String dataLayout(WasmModule m) {
        if (m.dataSection() == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (DataSegment d : m.dataSection().dataSegments()) {
            if (!s.isEmpty()) {
                s.append(' ');
            }
            if (d instanceof ActiveDataSegment active) {
                for (Instruction i : active.offsetInstructions()) {
                    s.append(Arrays.toString(i.operands()));
                }
            } else {
                s.append('p');
            }
            s.append(':').append(d.data().length);
        }
        return s.toString();
    }
}
