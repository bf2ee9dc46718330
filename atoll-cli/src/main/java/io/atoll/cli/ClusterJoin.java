package io.atoll.cli;

import io.atoll.fabric.Member;
import io.atoll.fabric.Membership;
import io.atoll.fabric.NatsMembership;
import io.atoll.fabric.NodeInfo;
import io.atoll.runtime.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wiring, no logic: joins a started node to the fabric, keeps its announced resources current,
 * and gives the node a cluster view backed by the membership. Closing leaves the cluster at once
 * (others see this node down without waiting for the heartbeat timeout).
 */
final class ClusterJoin implements AutoCloseable {
    private final Membership membership;
    private final ScheduledExecutorService updates = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "atoll-fabric-update");
        t.setDaemon(true);
        return t;
    });

    private ClusterJoin(Membership membership) {
        this.membership = membership;
    }

    /** Joins; throws AtollException (unreachable fabric, name in use) with a hint. */
    static ClusterJoin join(Node node, String fabricUrl, Duration downAfter) {
        Duration interval = NatsMembership.DEFAULT_INTERVAL.compareTo(downAfter) < 0
                ? NatsMembership.DEFAULT_INTERVAL : downAfter.dividedBy(3);
        Membership m = new NatsMembership(fabricUrl, interval, downAfter);
        m.join(info(node));
        node.setClusterView(() -> m.members().stream().map(ClusterJoin::asMap).toList());
        ClusterJoin join = new ClusterJoin(m);
        join.updates.scheduleAtFixedRate(() -> m.update(info(node)), 1, 1, TimeUnit.SECONDS);
        return join;
    }

    static NodeInfo info(Node node) {
        Map<String, Object> i = node.info();
        Runtime rt = Runtime.getRuntime();
        return new NodeInfo(node.config().name(), node.config().zone(), node.config().tags(), rt.availableProcessors(),
                rt.maxMemory(), rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()), ((Number) i.get("atoms")).intValue(),
                Node.load(), node.baseUrl(), Instant.now().minusMillis(((Number) i.get("uptimeMs")).longValue()));
    }

    private static Map<String, Object> asMap(Member member) {
        NodeInfo n = member.info();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("state", member.state().name().toLowerCase(Locale.ROOT));
        m.put("zone", n.zone());
        m.put("tags", n.tags());
        m.put("atoms", n.atoms());
        m.put("load", n.load());
        m.put("cores", n.cores());
        m.put("memoryBytes", n.memoryBytes());
        m.put("freeMemoryBytes", n.freeMemoryBytes());
        m.put("address", n.address());
        m.put("lastSeen", member.lastSeen().toString());
        return m;
    }

    List<Member> members() {
        return membership.members();
    }

    @Override
    public void close() {
        updates.shutdownNow();
        membership.leave();
        membership.close();
    }
}
