package io.atoll.engine;

import com.dylibso.chicory.wasm.types.FunctionType;

/** One function a module imports, with its declared signature. */
public record ModuleImport(String module, String name, FunctionType type) {
    @Override
    public String toString() {
        return module + "." + name + type.params() + "->" + type.returns();
    }
}
