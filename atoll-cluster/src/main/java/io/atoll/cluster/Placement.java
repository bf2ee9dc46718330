package io.atoll.cluster;

import io.atoll.fabric.NodeInfo;
import io.atoll.runtime.manifest.AtomSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Placement decisions as pure functions of a manifest's placement and the live nodes' heartbeats.
 *
 * <p>Every node decides on its own, from the same membership view, where a daemon instance runs
 * and whether a deploy can be hosted at all; there is no leader to ask. That only works if the
 * answer depends on nothing but the inputs, so this class does no I/O, keeps no state and reads no
 * clock. Callers pass only nodes that are up.
 *
 * <p>A node's ineligibility is explained by its first failing rule, checked in the order zone,
 * allowed tags, denied tags, free memory.
 */
public final class Placement {
    private static final long KIB = 1L << 10;
    private static final long MIB = 1L << 20;

    /** Lowest known load first (an unknown, negative load counts as the highest), then fewest atoms, then name. */
    private static final Comparator<NodeInfo> LEAST_LOADED = Comparator
            .comparingDouble((NodeInfo n) -> n.load() < 0 ? Double.MAX_VALUE : n.load())
            .thenComparingInt(NodeInfo::atoms)
            .thenComparing(NodeInfo::name);

    private Placement() {}

    /** Null if {@code n} may host an atom with placement {@code p}, else why not (e.g. {@code zone cloud, not eu-1}). */
    public static String whyNot(AtomSpec.Placement p, NodeInfo n) {
        if (p == null) {
            return null;
        }
        if (p.zone() != null && !p.zone().equals(n.zone())) {
            return "zone " + n.zone() + ", not " + p.zone();
        }
        if (!p.allowTags().isEmpty() && p.allowTags().stream().noneMatch(n.tags()::contains)) {
            return "no tag of " + p.allowTags();
        }
        for (String tag : p.denyTags()) {
            if (n.tags().contains(tag)) {
                return "tag " + tag + " denied";
            }
        }
        if (p.memoryBytes() > 0 && n.freeMemoryBytes() < p.memoryBytes()) {
            return "free memory " + size(n.freeMemoryBytes()) + " < " + size(p.memoryBytes());
        }
        return null;
    }

    public static boolean eligible(AtomSpec.Placement p, NodeInfo n) {
        return whyNot(p, n) == null;
    }

    /**
     * Empty if at least one of the {@code up} nodes can host {@code app}'s atom {@code spec}; else
     * one line naming the atom and, node by node (sorted by name), why it cannot.
     */
    public static Optional<String> refusal(String app, AtomSpec spec, Collection<NodeInfo> up) {
        String atom = "atom '" + app + "/" + spec.name() + "' cannot be placed: ";
        if (up.isEmpty()) {
            return Optional.of(atom + "no node is up");
        }
        if (up.stream().anyMatch(n -> eligible(spec.placement(), n))) {
            return Optional.empty();
        }
        return Optional.of(atom + up.stream()
                .sorted(Comparator.comparing(NodeInfo::name))
                .map(n -> n.name() + ": " + whyNot(spec.placement(), n))
                .collect(Collectors.joining("; ")));
    }

    /**
     * The node that owns {@code key} (e.g. the daemon instance {@code app/def/3}): rendezvous
     * (highest-random-weight) hashing over the eligible nodes' names. Every node computes the same
     * owner from the same set, in any order; keys spread evenly; when a node leaves, only the keys
     * it owned move. Empty if no node is eligible.
     */
    public static Optional<String> owner(String key, AtomSpec.Placement p, Collection<NodeInfo> up) {
        String best = null;
        long bestWeight = 0;
        for (NodeInfo n : up) {
            if (!eligible(p, n)) {
                continue;
            }
            long w = weight(key, n.name());
            int c = best == null ? 1 : Long.compareUnsigned(w, bestWeight);
            if (c > 0 || (c == 0 && n.name().compareTo(best) < 0)) {
                best = n.name();
                bestWeight = w;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Where to create a reactive instance: {@code preferred} (the node that received the event) if
     * it is up and eligible, so the event need not travel; else the least-loaded eligible node
     * (lowest load, then fewest atoms, then name). Empty if no node is eligible.
     */
    public static Optional<String> hostFor(AtomSpec.Placement p, Collection<NodeInfo> up, String preferred) {
        List<NodeInfo> eligible = up.stream().filter(n -> eligible(p, n)).toList();
        if (preferred != null && eligible.stream().anyMatch(n -> n.name().equals(preferred))) {
            return Optional.of(preferred);
        }
        return eligible.stream().min(LEAST_LOADED).map(NodeInfo::name);
    }

    /** First 8 bytes of SHA-256 over the length-prefixed key and node name: stable across JVMs and releases. */
    static long weight(String key, String node) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] n = node.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + k.length + n.length).putInt(k.length).put(k).putInt(n.length).put(n);
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(b.array())).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String size(long bytes) {
        if (bytes % MIB == 0) {
            return bytes / MIB + " MiB";
        }
        if (bytes >= MIB) {
            // rounded down, so a node just short of the requirement never reads "32.0 MiB < 32 MiB"
            return String.format(Locale.ROOT, "%.1f MiB", Math.floor(bytes * 10.0 / MIB) / 10);
        }
        return bytes % KIB == 0 ? bytes / KIB + " KiB" : bytes + " B";
    }
}
