package io.atoll.runtime.manifest;

import io.atoll.abi.AtollException;

/** A manifest that cannot be deployed; the message names the file, line and field. */
public final class ManifestException extends AtollException {
    public ManifestException(String message) {
        super(message, "see docs/manifest.md for the manifest format");
    }
}
