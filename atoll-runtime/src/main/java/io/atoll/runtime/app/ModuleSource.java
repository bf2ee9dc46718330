package io.atoll.runtime.app;

/** Finds the bytes of a module named in a manifest ({@code module:} field). */
@FunctionalInterface
public interface ModuleSource {
    /** @throws io.atoll.abi.AtollException naming the module if it cannot be found */
    byte[] load(String reference);
}
