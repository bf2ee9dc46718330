package io.atoll.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.fabric.NodeInfo;
import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.manifest.ManifestParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlacementTest {
    static final long MIB = 1L << 20;
    static final AtomSpec.Placement NONE = AtomSpec.Placement.NONE;

    static NodeInfo node(String name, String zone, List<String> tags, long freeMemory, int atoms, double load) {
        return new NodeInfo(name, zone, tags, 4, 1L << 30, freeMemory, atoms, load,
                "http://" + name + ":8080", Instant.parse("2025-01-01T00:00:00Z"));
    }

    static NodeInfo node(String name, String zone, String... tags) {
        return node(name, zone, List.of(tags), 512 * MIB, 0, 0.5);
    }

    static NodeInfo loaded(String name, int atoms, double load) {
        return node(name, "eu-1", List.of(), 512 * MIB, atoms, load);
    }

    static AtomSpec.Placement zone(String zone) {
        return new AtomSpec.Placement(List.of(), List.of(), zone, 0, 0);
    }

    static AtomSpec.Placement tags(List<String> allow, List<String> deny) {
        return new AtomSpec.Placement(allow, deny, null, 0, 0);
    }

    static AtomSpec.Placement memory(long bytes) {
        return new AtomSpec.Placement(List.of(), List.of(), null, bytes, 0);
    }

    static List<NodeInfo> nodes(String... names) {
        List<NodeInfo> out = new ArrayList<>();
        for (String n : names) {
            out.add(node(n, "eu-1"));
        }
        return out;
    }

    // ---- rules and reasons ----

    @Test
    void withoutPlacementEveryNodeIsEligible() {
        NodeInfo n = node("a", "cloud", "gpu");
        assertThat(Placement.whyNot(NONE, n)).isNull();
        assertThat(Placement.whyNot(null, n)).isNull();
        assertThat(Placement.eligible(NONE, node("b", null))).isTrue();
    }

    @Test
    void zoneMustBeEqual() {
        assertThat(Placement.whyNot(zone("eu-1"), node("a", "eu-1"))).isNull();
        assertThat(Placement.whyNot(zone("eu-1"), node("a", "cloud"))).isEqualTo("zone cloud, not eu-1");
        assertThat(Placement.whyNot(zone("eu-1"), node("a", null))).isEqualTo("zone default, not eu-1");
        assertThat(Placement.eligible(zone("eu-1"), node("a", "eu-2"))).isFalse();
    }

    @Test
    void allowNeedsAtLeastOneOfTheTags() {
        AtomSpec.Placement p = tags(List.of("edge", "iot"), List.of());
        assertThat(Placement.whyNot(p, node("a", "z", "iot"))).isNull();
        assertThat(Placement.whyNot(p, node("a", "z", "edge", "iot", "x"))).isNull();
        assertThat(Placement.whyNot(p, node("a", "z", "gpu"))).isEqualTo("no tag of [edge, iot]");
        assertThat(Placement.whyNot(p, node("a", "z"))).isEqualTo("no tag of [edge, iot]");
    }

    @Test
    void denyRefusesAnyDeniedTag() {
        AtomSpec.Placement p = tags(List.of(), List.of("gpu", "test"));
        assertThat(Placement.whyNot(p, node("a", "z"))).isNull();
        assertThat(Placement.whyNot(p, node("a", "z", "edge"))).isNull();
        assertThat(Placement.whyNot(p, node("a", "z", "edge", "gpu"))).isEqualTo("tag gpu denied");
        assertThat(Placement.whyNot(p, node("a", "z", "test"))).isEqualTo("tag test denied");
    }

    @Test
    void freeMemoryMustCoverTheRequirement() {
        AtomSpec.Placement p = memory(32 * MIB);
        assertThat(Placement.whyNot(p, node("a", "z", List.of(), 32 * MIB, 0, 0))).isNull();
        assertThat(Placement.whyNot(p, node("a", "z", List.of(), 12 * MIB, 0, 0))).isEqualTo("free memory 12 MiB < 32 MiB");
        assertThat(Placement.whyNot(p, node("a", "z", List.of(), 32 * MIB - 30_000, 0, 0))).isEqualTo("free memory 31.9 MiB < 32 MiB");
        assertThat(Placement.whyNot(memory(MIB), node("a", "z", List.of(), 512 << 10, 0, 0))).isEqualTo("free memory 512 KiB < 1 MiB");
        assertThat(Placement.whyNot(memory(1000), node("a", "z", List.of(), 999, 0, 0))).isEqualTo("free memory 999 B < 1000 B");
    }

    @Test
    void theFirstFailingRuleIsTheReason() {
        AtomSpec.Placement all = new AtomSpec.Placement(List.of("edge"), List.of("gpu"), "eu-1", 32 * MIB, 0);
        assertThat(Placement.whyNot(all, node("a", "cloud", List.of("gpu"), MIB, 0, 0))).isEqualTo("zone cloud, not eu-1");
        assertThat(Placement.whyNot(all, node("a", "eu-1", List.of("gpu"), MIB, 0, 0))).isEqualTo("no tag of [edge]");
        assertThat(Placement.whyNot(all, node("a", "eu-1", List.of("edge", "gpu"), MIB, 0, 0))).isEqualTo("tag gpu denied");
        assertThat(Placement.whyNot(all, node("a", "eu-1", List.of("edge"), MIB, 0, 0))).isEqualTo("free memory 1 MiB < 32 MiB");
        assertThat(Placement.whyNot(all, node("a", "eu-1", List.of("edge"), 64 * MIB, 0, 0))).isNull();
    }

    // ---- refusal ----

    static AtomSpec spec(String placement) {
        return ManifestParser.parse("app: shop\natoms:\n  - { name: cart, module: cart.wasm, placement: " + placement + " }\n",
                "shop.yaml").atoms().getFirst();
    }

    @Test
    void refusalNamesTheAtomAndEveryNodesReason() {
        AtomSpec cart = spec("{ zone: eu-1, tags: { allow: [edge] } }");
        List<NodeInfo> up = List.of(node("b", "eu-1", "core"), node("a", "cloud", "edge"));
        assertThat(Placement.refusal("shop", cart, up))
                .contains("atom 'shop/cart' cannot be placed: a: zone cloud, not eu-1; b: no tag of [edge]");
    }

    @Test
    void noRefusalWhenOneNodeIsEligible() {
        AtomSpec cart = spec("{ zone: eu-1 }");
        assertThat(Placement.refusal("shop", cart, List.of(node("a", "cloud"), node("b", "eu-1")))).isEmpty();
    }

    @Test
    void refusalWhenNoNodeIsUp() {
        AtomSpec cart = spec("{ zone: eu-1 }");
        assertThat(Placement.refusal("shop", cart, List.of())).contains("atom 'shop/cart' cannot be placed: no node is up");
        AtomSpec free = ManifestParser.parse("app: shop\natoms:\n  - { name: cart, module: cart.wasm }\n", "shop.yaml").atoms().getFirst();
        assertThat(Placement.refusal("shop", free, List.of())).contains("atom 'shop/cart' cannot be placed: no node is up");
        assertThat(Placement.refusal("shop", free, nodes("a"))).isEmpty();
    }

    // ---- owner: rendezvous hashing ----

    static Map<String, String> owners(int keys, List<NodeInfo> up) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            String key = "shop/agent/" + i;
            out.put(key, Placement.owner(key, NONE, up).orElseThrow());
        }
        return out;
    }

    @Test
    void ownerIsTheSameWhateverTheOrderOfTheNodes() {
        List<NodeInfo> up = nodes("a", "b", "c", "d", "e");
        Map<String, String> first = owners(300, up);
        Random random = new Random(42);
        for (int round = 0; round < 10; round++) {
            List<NodeInfo> shuffled = new ArrayList<>(up);
            Collections.shuffle(shuffled, random);
            assertThat(owners(300, shuffled)).isEqualTo(first);
        }
    }

    @Test
    void ownerDependsOnNamesNotOnResources() {
        Map<String, String> before = owners(300, nodes("a", "b", "c"));
        List<NodeInfo> busy = List.of(loaded("a", 90, 7.5), loaded("b", 0, 0.1), loaded("c", 12, -1));
        assertThat(owners(300, busy)).isEqualTo(before);
    }

    @Test
    void keysSpreadEvenly() {
        Map<String, Integer> counts = new HashMap<>();
        owners(1000, nodes("node-1", "node-2", "node-3")).values().forEach(o -> counts.merge(o, 1, Integer::sum));
        assertThat(counts).containsOnlyKeys("node-1", "node-2", "node-3");
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(250, 420));
    }

    @Test
    void removingANodeMovesOnlyItsKeys() {
        Map<String, String> before = owners(1000, nodes("a", "b", "c", "d"));
        Map<String, String> after = owners(1000, nodes("a", "b", "d"));
        int moved = 0;
        for (var e : before.entrySet()) {
            if (e.getValue().equals("c")) {
                assertThat(after.get(e.getKey())).isNotEqualTo("c");
                moved++;
            } else {
                assertThat(after.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(moved).isPositive();
        // and adding it back returns exactly those keys
        assertThat(owners(1000, nodes("a", "b", "c", "d"))).isEqualTo(before);
    }

    @Test
    void ownerIsChosenAmongEligibleNodesOnly() {
        List<NodeInfo> up = List.of(node("a", "eu-1"), node("b", "cloud"), node("c", "eu-1"), node("d", "cloud"));
        for (int i = 0; i < 100; i++) {
            assertThat(Placement.owner("shop/agent/" + i, zone("eu-1"), up).orElseThrow()).isIn("a", "c");
        }
        assertThat(Placement.owner("shop/agent/0", zone("eu-9"), up)).isEmpty();
        assertThat(Placement.owner("shop/agent/0", NONE, List.of())).isEmpty();
    }

    @Test
    void weightIsStable() {
        // pinned: the weight must not change between JVMs or releases, or nodes would disagree about owners
        // (values computed independently: SHA-256 of int32 length + UTF-8 key + int32 length + UTF-8 node, first 8 bytes)
        assertThat(Placement.weight("shop/agent/0", "a")).isEqualTo(4684992160855253937L);
        assertThat(Placement.weight("shop/agent/0", "b")).isEqualTo(-7321896060505722908L);
        assertThat(Placement.weight("ab", "c")).isNotEqualTo(Placement.weight("a", "bc"));
    }

    // ---- hostFor ----

    @Test
    void hostForPrefersTheReceivingNodeWhenEligible() {
        List<NodeInfo> up = List.of(loaded("a", 0, 0.0), loaded("b", 50, 9.0));
        assertThat(Placement.hostFor(NONE, up, "b")).contains("b");
    }

    @Test
    void hostForFallsBackToTheLeastLoadedEligibleNode() {
        List<NodeInfo> up = List.of(
                node("a", "eu-1", List.of(), 512 * MIB, 5, 2.0),
                node("b", "eu-1", List.of(), 512 * MIB, 9, 0.5),
                node("c", "cloud", List.of(), 512 * MIB, 0, 0.0));
        assertThat(Placement.hostFor(zone("eu-1"), up, "c")).contains("b");
        assertThat(Placement.hostFor(zone("eu-1"), up, "gone")).contains("b");
        assertThat(Placement.hostFor(zone("eu-1"), up, null)).contains("b");
    }

    @Test
    void hostForBreaksTiesByAtomsThenName() {
        assertThat(Placement.hostFor(NONE, List.of(loaded("a", 7, 1.0), loaded("b", 3, 1.0), loaded("c", 3, 1.0)), null)).contains("b");
        assertThat(Placement.hostFor(NONE, List.of(loaded("c", 3, 1.0), loaded("b", 3, 1.0)), null)).contains("b");
    }

    @Test
    void hostForPutsUnknownLoadLast() {
        assertThat(Placement.hostFor(NONE, List.of(loaded("a", 0, -1), loaded("b", 10, 3.0)), null)).contains("b");
        assertThat(Placement.hostFor(NONE, List.of(loaded("a", 5, -1), loaded("b", 1, -1)), null)).contains("b");
    }

    @Test
    void hostForIsEmptyWhenNoNodeIsEligible() {
        assertThat(Placement.hostFor(zone("eu-1"), List.of(node("a", "cloud")), "a")).isEqualTo(Optional.empty());
        assertThat(Placement.hostFor(NONE, List.of(), "a")).isEmpty();
    }
}
