package io.atoll.engine;

import java.nio.file.Path;
import java.util.Map;

/**
 * Per-instance settings from the manifest.
 *
 * @param maxMemoryBytes the most linear memory the instance may grow to
 * @param wasi whether WASI preview 1 is granted (stdout/stderr go to the atom's log)
 * @param directories WASI preopened directories: guest path → host directory (needs {@code wasi})
 */
public record InstanceOptions(long maxMemoryBytes, boolean wasi, Map<String, Path> directories) {
    public static final InstanceOptions DEFAULT = new InstanceOptions(64L << 20, false, Map.of());

    public InstanceOptions(long maxMemoryBytes, boolean wasi) {
        this(maxMemoryBytes, wasi, Map.of());
    }
}
