package io.atoll.runtime.manifest;

import io.atoll.engine.ExecutionMode;
import io.atoll.engine.SafePoints;
import java.util.List;

/** One atom definition of a manifest, validated, defaults applied. */
public record AtomSpec(
        String name,
        String module,
        Kind kind,
        PolicySpec policy,
        int instances,
        Recovery recovery,
        RestartSpec restart,
        ExecutionMode engine,
        Limits limits,
        List<String> capabilities,
        List<String> aliases,
        List<String> files,
        long hibernateAfterMs,
        List<Route> routes,
        Placement placement,
        long checkpointMs,
        SafePoints safePoints) {

    public enum Kind { DAEMON, REACTIVE }

    public enum Recovery { NONE, ESCALATE, RESTART, RECOVER }

    public record RestartSpec(int max, long backoffMs) {}

    public record Limits(long memoryBytes, long timeoutMs, int mailbox, int maxMessageBytes) {
        public static final Limits DEFAULT = new Limits(64L << 20, 10_000, 1024, 1 << 20);
    }

    public record Route(String path, List<String> methods) {
        public boolean allows(String method) {
            return methods.isEmpty() || methods.contains(method);
        }
    }

    /**
     * Where the atom may run (docs/manifest.md, placement). Empty lists, a null zone and zeros mean
     * "no constraint".
     *
     * @param allowTags   the node must carry at least one of these tags (empty: any)
     * @param denyTags    the node must carry none of these tags
     * @param zone        the node's zone must equal this (null: any zone)
     * @param memoryBytes the node's free memory must be at least this at placement time (0: any)
     * @param perNode     daemons only: instances on every eligible node instead of {@code instances}
     *                    over the cluster (0: not set)
     */
    public record Placement(List<String> allowTags, List<String> denyTags, String zone, long memoryBytes, int perNode) {
        public static final Placement NONE = new Placement(List.of(), List.of(), null, 0, 0);
    }

    public boolean granted(String capability) {
        return capabilities.contains(capability);
    }
}
