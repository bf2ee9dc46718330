package io.atoll.engine;

/** How an atom's code runs: Chicory's compiler (Wasm to JVM bytecode) or its interpreter. */
public enum ExecutionMode {
    COMPILED,
    INTERPRETED;

    public static ExecutionMode parse(String s) {
        return switch (s) {
            case "compiled" -> COMPILED;
            case "interpreted" -> INTERPRETED;
            default -> throw new IllegalArgumentException("engine must be compiled or interpreted, not '" + s + "'");
        };
    }
}
