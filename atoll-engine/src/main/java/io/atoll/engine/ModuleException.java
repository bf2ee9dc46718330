package io.atoll.engine;

import io.atoll.abi.AtollException;

/** A module that cannot run here: malformed bytes, invalid code, imports we do not provide, a wrong ABI. */
public class ModuleException extends AtollException {
    public ModuleException(String message, String hint) {
        super(message, hint);
    }

    public ModuleException(String message, String hint, Throwable cause) {
        super(message, hint, cause);
    }
}
