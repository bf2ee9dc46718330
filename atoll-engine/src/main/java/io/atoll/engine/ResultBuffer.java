package io.atoll.engine;

import com.dylibso.chicory.runtime.Memory;

/**
 * The per-instance result buffer of docs/abi.md §2: variable-size results wait here until the
 * guest copies them with {@code take}. One value at a time; it is part of the instance state.
 */
final class ResultBuffer {
    private byte[] value = new byte[0];

    int set(byte[] v) {
        value = v;
        return v.length;
    }

    int take(Memory memory, int ptr, int cap) {
        int n = Math.min(Math.max(cap, 0), value.length);
        if (n > 0) {
            byte[] part = n == value.length ? value : java.util.Arrays.copyOf(value, n);
            AtollImports.write(memory, ptr, part);
        }
        return value.length;
    }

    byte[] value() {
        return value;
    }
}
