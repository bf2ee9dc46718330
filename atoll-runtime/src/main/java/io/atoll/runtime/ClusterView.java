package io.atoll.runtime;

import java.util.List;
import java.util.Map;

/**
 * What the node knows of the other nodes, for {@code GET /api/v1/nodes}. The runtime knows
 * nothing of other nodes itself: a node started alone reports only itself; a node joined to a
 * fabric is given a view backed by the fabric's membership (wired by the CLI).
 *
 * <p>Contract: {@link #nodes()} MUST return promptly (a snapshot, no network round trip) and
 * MUST include this node.
 */
@FunctionalInterface
public interface ClusterView {
    /** One entry per node, sorted by name: {@code name, state, zone, tags, atoms, load, ...}. */
    List<Map<String, Object>> nodes();
}
