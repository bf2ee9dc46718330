package io.atoll.fabric;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a node tells the cluster about itself: identity, placement labels and resources. Sent in
 * every heartbeat, so keep it small.
 *
 * @param name            unique among live nodes
 * @param zone            the zone (site) the node runs in
 * @param tags            free-form labels used by placement, e.g. {@code gpu}, {@code edge}
 * @param cores           processors available to the JVM
 * @param memoryBytes     maximum heap the node may use
 * @param freeMemoryBytes heap still available
 * @param atoms           atoms currently running on the node
 * @param load            system load average (as reported by the OS; negative if unknown)
 * @param address         the node's HTTP base URL, e.g. {@code http://10.0.0.5:8080}
 * @param startedAt       when the node process started
 */
public record NodeInfo(String name, String zone, List<String> tags, int cores, long memoryBytes,
                       long freeMemoryBytes, int atoms, double load, String address, Instant startedAt) {
    public NodeInfo {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a node name must not be blank");
        }
        zone = zone == null || zone.isBlank() ? "default" : zone;
        tags = tags == null ? List.of() : List.copyOf(tags);
        address = address == null ? "" : address;
        startedAt = startedAt == null ? Instant.EPOCH : startedAt;
    }

    /** The same node with fresh resource figures (what {@link Membership#update} is for). */
    public NodeInfo withResources(long freeMemoryBytes, int atoms, double load) {
        return new NodeInfo(name, zone, tags, cores, memoryBytes, freeMemoryBytes, atoms, load, address, startedAt);
    }
}
