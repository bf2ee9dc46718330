package io.atoll.examples.kvstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The consistent-hashing ring on the JVM: placement, spread, and what moves when members change. */
class RingTest {
    private static final int KEYS = 20_000;

    static List<String> members(String... nodes) {
        List<String> out = new ArrayList<>();
        for (String n : nodes) {
            for (int k = 0; k < 8; k++) {
                out.add(n + "-" + k);
            }
        }
        return out;
    }

    @Test
    void replicasAreConsecutiveDistinctMembersOnDistinctNodes() {
        Ring ring = new Ring(1, 2, members("a", "b", "c"));
        for (int i = 0; i < KEYS; i++) {
            List<String> r = ring.replicasOf("key" + i);
            assertThat(r).hasSize(2);
            assertThat(Ring.nodeOf(r.get(0))).isNotEqualTo(Ring.nodeOf(r.get(1)));
        }
        Ring three = new Ring(1, 3, members("a", "b", "c"));
        for (int i = 0; i < 1000; i++) {
            List<String> r = three.replicasOf("key" + i);
            assertThat(r.stream().map(Ring::nodeOf).distinct().count()).isEqualTo(3);
            assertThat(r.subList(0, 2)).as("N=3 extends N=2: consecutive on the ring").isEqualTo(ring.replicasOf("key" + i));
        }
    }

    @Test
    void replicasAreTheFirstMembersClockwiseFromTheKeysHash() {
        for (Ring ring : List.of(new Ring(1, 2, members("a", "b", "c")), new Ring(1, 3, members("a", "b")),
                new Ring(1, 2, members("a")), new Ring(1, 4, List.of("a-0", "b-0", "b-1", "c-0", "d-3")))) {
            for (int i = 0; i < 2000; i++) {
                assertThat(ring.replicasOf("key" + i)).as("%s, key%d", ring, i).isEqualTo(walk(ring, "key" + i));
            }
        }
    }

    /** The definition of {@link Ring#replicasOf}, spelled out slowly: sort all points, walk clockwise twice. */
    private static List<String> walk(Ring ring, String key) {
        List<Object[]> points = new ArrayList<>();
        for (String m : ring.members) {
            for (int v = 0; v < Ring.VNODES; v++) {
                points.add(new Object[] {Ring.hash(m + "#" + v), m});
            }
        }
        points.sort((x, y) -> Long.compare((long) x[0], (long) y[0]));
        int start = 0;
        while (start < points.size() && (long) points.get(start)[0] < Ring.hash(key)) {
            start++;
        }
        List<String> out = new ArrayList<>();
        Set<String> nodes = new HashSet<>();
        for (int pass = 0; pass < 2; pass++) { // first one member per node, then any member not taken
            for (int i = 0; i < points.size() && out.size() < Math.min(ring.replicas, ring.members.size()); i++) {
                String m = (String) points.get((start + i) % points.size())[1];
                if (!out.contains(m) && (pass == 1 || !nodes.contains(Ring.nodeOf(m)))) {
                    nodes.add(Ring.nodeOf(m));
                    out.add(m);
                }
            }
        }
        return out;
    }

    @Test
    void withFewerNodesThanReplicasMembersOfOneNodeShare() {
        Ring lone = new Ring(1, 2, members("a"));
        for (int i = 0; i < 1000; i++) {
            List<String> r = lone.replicasOf("key" + i);
            assertThat(r).hasSize(2).doesNotHaveDuplicates();
        }
        Ring small = new Ring(1, 5, List.of("a-0", "b-0"));
        assertThat(small.replicasOf("x")).containsExactlyInAnyOrder("a-0", "b-0");
        Ring demo = new Ring(1, 2, List.of("0")); // a lone node names its only instance "0"
        assertThat(demo.replicasOf("x")).containsExactly("0");
        assertThat(new Ring(1, 2, List.of()).replicasOf("x")).isEmpty();
    }

    @Test
    void theOrderOfMembersDoesNotMatterAndTheRingTravelsAsText() {
        List<String> m = members("a", "b", "c");
        List<String> shuffled = new ArrayList<>(m);
        java.util.Collections.shuffle(shuffled, new java.util.Random(7));
        Ring r1 = new Ring(42, 2, m);
        Ring r2 = new Ring(42, 2, shuffled);
        Ring r3 = Ring.decode(r1.encode());
        assertThat(r3.epoch).isEqualTo(42);
        assertThat(r3.replicas).isEqualTo(2);
        assertThat(r3.members).isEqualTo(r1.members);
        for (int i = 0; i < 1000; i++) {
            assertThat(r2.replicasOf("k" + i)).isEqualTo(r1.replicasOf("k" + i)).isEqualTo(r3.replicasOf("k" + i));
        }
        assertThat(Ring.decode("topo 5 2").members).isEmpty();
        assertThat(Ring.decode("none")).isNull();
        assertThat(Ring.decode("topo x 2 a-0")).isNull();
    }

    @Test
    void keysSpreadEvenlyEnough() {
        Ring ring = new Ring(1, 2, members("a", "b", "c"));
        Map<String, Integer> primary = new HashMap<>();
        for (int i = 0; i < KEYS * 5; i++) {
            primary.merge(ring.replicasOf("user:" + i).get(0), 1, (x, y) -> x + y);
        }
        double average = KEYS * 5 / 24.0;
        assertThat(primary).hasSize(24);
        assertThat(primary.values()).allSatisfy(n -> assertThat(n).isBetween((int) (average * 0.5), (int) (average * 2)));
    }

    /**
     * After one node joins, every key keeps its first old replica (with two copies or more) and
     * gains only members of the new node: keys move to the newcomer and nowhere else.
     */
    @Test
    void whenANodeJoinsEachKeyKeepsAllButAtMostOneOfItsReplicasAndMovesOnlyToTheNewNode() {
        for (int n = 1; n <= 3; n++) {
            Ring before = new Ring(1, n, members("a", "b"));
            Ring after = new Ring(2, n, members("a", "b", "c"));
            int moved = 0;
            for (int i = 0; i < KEYS; i++) {
                List<String> old = before.replicasOf("key" + i);
                List<String> now = after.replicasOf("key" + i);
                Set<String> kept = new HashSet<>(now);
                kept.retainAll(old);
                assertThat(kept.size()).as("key%d: %s -> %s", i, old, now).isGreaterThanOrEqualTo(Math.min(n, 2) - 1);
                if (n >= 2) { // with one copy a key may move entirely: gets then find it through the previous ring
                    assertThat(kept).as("key%d keeps its first replica", i).contains(old.get(0));
                }
                for (String m : now) {
                    assertThat(old.contains(m) || m.startsWith("c-")).as("key%d: %s -> %s", i, old, now).isTrue();
                }
                moved += now.equals(old) ? 0 : 1;
            }
            // the newcomer's share: with n copies on 3 nodes about n/3 of the keys get a copy there (with 3
            // copies on 2 nodes every key had a doubled node, and all of them gain the third node)
            assertThat(moved).as("keys whose replicas changed with %d copies", n)
                    .isBetween(KEYS * n / 3 * 8 / 10, Math.min(KEYS, KEYS * n / 3 * 12 / 10));
        }
    }

    @Test
    void whenANodeLeavesEveryCopyOnTheOtherNodesStaysWhereItWas() {
        Ring before = new Ring(1, 2, members("a", "b", "c"));
        Ring after = new Ring(2, 2, members("a", "b"));
        for (int i = 0; i < KEYS; i++) {
            List<String> old = before.replicasOf("key" + i);
            List<String> now = after.replicasOf("key" + i);
            for (String m : old) {
                if (!m.startsWith("c-")) {
                    assertThat(now).as("key%d: %s -> %s", i, old, now).contains(m);
                }
            }
        }
    }

    @Test
    void nodeOfAMemberIsTheNameBeforeItsLastDash() {
        assertThat(Ring.nodeOf("a-3")).isEqualTo("a");
        assertThat(Ring.nodeOf("edge-1-12")).isEqualTo("edge-1");
        assertThat(Ring.nodeOf("0")).isEqualTo("0");
    }
}
