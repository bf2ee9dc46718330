package io.atoll.engine;

/**
 * Per-instance settings from the manifest.
 *
 * @param maxMemoryBytes the most linear memory the instance may grow to
 * @param wasi whether WASI preview 1 is granted (stdout/stderr go to the atom's log)
 */
public record InstanceOptions(long maxMemoryBytes, boolean wasi) {
    public static final InstanceOptions DEFAULT = new InstanceOptions(64L << 20, false);
}
