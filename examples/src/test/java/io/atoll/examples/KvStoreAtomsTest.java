package io.atoll.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.examples.kvstore.Ring;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * kv-node.wasm, kv-frontend.wasm and kv-coordinator.wasm run under {@link FakeHost}: KVNodes of
 * several simulated nodes (each node's KVNodes share one store, as on a real node), a frontend,
 * and the Coordinator's messages played by the test ({@link Sim}) except in the Coordinator's own
 * test. Where keys must be is computed with the JVM's {@link Ring}, so these tests also check
 * that the Wasm modules hash exactly like the JVM.
 */
class KvStoreAtomsTest {
    private static final int EUNREACHABLE = -8;
    private static final int ENOTFOUND = -1;

    /**
     * A simulated cluster. Messages to KVNodes are queued and delivered one at a time, in order,
     * never into an atom that is running (like mailboxes); messages to the frontend go to its
     * mailbox, where its {@code request} finds them; {@code coordinator} answers {@code topology}
     * with {@link #ring}.
     */
    static final class Sim {
        final Map<String, TreeMap<String, byte[]>> stores = new TreeMap<>();
        final Map<String, FakeHost> kvnodes = new TreeMap<>();
        final Set<String> down = new HashSet<>();
        /** Members to which puts are lost on the way (accepted, never delivered): keys that have not arrived yet. */
        final Set<String> losePutsTo = new HashSet<>();
        /** What atoms sent to the Coordinator: "sender text". */
        final List<String> toCoordinator = new ArrayList<>();
        /** Every message sent to a KVNode: "sender -> member verb". */
        final List<String> traffic = new ArrayList<>();
        /** What was sent to {@code _reply/...} addresses (HTTP answers, answers to "_api"). */
        final List<FakeHost.Sent> answers = new ArrayList<>();
        private final ArrayDeque<Object[]> queue = new ArrayDeque<>();
        private boolean pumping;
        Ring ring;
        FakeHost frontend;

        /** The atom restarts: a fresh instance with the same name and the same store (its memory is gone). */
        void restart(String id) {
            kvnodes.remove(id);
            kvnodes(id);
        }

        Sim kvnodes(String... ids) {
            for (String id : ids) {
                FakeHost h = new FakeHost("kv/kvnode/" + id, stores.computeIfAbsent(Ring.nodeOf(id), n -> new TreeMap<>()));
                h.instantiate("kv-node");
                assertThat(h.startUp()).isEqualTo(1);
                h.sendResult = s -> route(h.selfName, s);
                kvnodes.put(id, h);
            }
            return this;
        }

        /** A fresh frontend instance (it fetches the ring on its first request), with a store of its own. */
        FakeHost newFrontend() {
            return newFrontend(new TreeMap<>(), "a");
        }

        /** A fresh frontend instance on node {@code node}: it shares that node's store with its KVNodes. */
        FakeHost newFrontendOn(String node) {
            return newFrontend(stores.get(node), node);
        }

        private FakeHost newFrontend(TreeMap<String, byte[]> store, String node) {
            frontend = new FakeHost("kv/frontend/" + node + "-r" + (answers.size() + 1), store);
            frontend.instantiate("kv-frontend");
            assertThat(frontend.startUp()).isEqualTo(1);
            frontend.sendResult = s -> route(frontend.selfName, s);
            return frontend;
        }

        int route(String from, FakeHost.Sent s) {
            String to = s.to();
            if (to.equals("coordinator")) {
                toCoordinator.add(from + " " + s.text());
                if (ring == null) {
                    return ENOTFOUND;
                }
                if (s.text().equals("topology")) {
                    deliver(from, FakeHost.envelope(0, 0, s.correlation(), "kv/coordinator/0", "kv/coordinator/0",
                            bytes(ring.encode())));
                }
                return 1;
            }
            if (to.startsWith("_reply/")) {
                answers.add(s);
                return 1;
            }
            String full = to.startsWith("kv/") ? to : "kv/" + to;
            if (down.contains(full.substring(full.lastIndexOf('/') + 1))) {
                return EUNREACHABLE;
            }
            if (!full.equals(frontend == null ? null : frontend.selfName) && !kvnodes.containsKey(idOf(full))) {
                return ENOTFOUND;
            }
            if (kvnodes.containsKey(idOf(full))) {
                traffic.add(from + " -> " + idOf(full) + " " + s.text().split("[ \n]", 2)[0]);
            }
            if (losePutsTo.contains(idOf(full)) && s.text().startsWith("put ")) {
                return 1;
            }
            deliver(full, FakeHost.envelope(0, s.flags(), s.correlation(), from, from, s.data()));
            return 1;
        }

        private void deliver(String full, byte[] envelope) {
            if (frontend != null && full.equals(frontend.selfName)) {
                frontend.mailbox.add(envelope); // it is waiting in request()
                return;
            }
            queue.add(new Object[] {kvnodes.get(idOf(full)), envelope});
            pump();
        }

        private void pump() {
            if (pumping) {
                return; // delivered by the loop below, after the running atom returns
            }
            pumping = true;
            try {
                for (Object[] next; (next = queue.poll()) != null; ) {
                    FakeHost h = (FakeHost) next[0];
                    int rc = h.deliver((byte[]) next[1]);
                    assertThat(rc).as("%s failed; its log %s", h.selfName, h.log).isZero();
                }
            } finally {
                pumping = false;
            }
        }

        /** A message from a person ({@code atoll send}) to a KVNode; its answer lands in {@link #answers}. */
        String tell(String id, byte[] payload) {
            int before = answers.size();
            deliver("kv/kvnode/" + id, FakeHost.envelope(0, 0, 0, "_api", "_reply/api", payload));
            return answers.size() > before ? answers.get(answers.size() - 1).text() : null;
        }

        /** What the Coordinator does on a change: the previous ring to newcomers first, then the new one to all. */
        void publish(Ring r) {
            Ring previous = ring;
            ring = r;
            for (String m : r.members) {
                if (previous != null && !previous.members.contains(m)) {
                    deliver("kv/kvnode/" + m, fromCoordinator(previous));
                }
            }
            for (String m : r.members) {
                deliver("kv/kvnode/" + m, fromCoordinator(r));
            }
        }

        /**
         * The Coordinator's periodic re-send of the ring, until every member reported it settled:
         * hand-overs that met a member without the new ring yet are redone. Returns the rounds.
         */
        int resendUntilSettled() {
            for (int round = 1; round <= 5; round++) {
                toCoordinator.clear();
                ringTo(ring, ring.members);
                if (ring.members.stream().allMatch(m -> toCoordinator.contains("kv/kvnode/" + m + " settled " + ring.epoch))) {
                    return round;
                }
            }
            throw new AssertionError("not settled after 5 re-sends of " + ring.encode());
        }

        /** Delivers a ring to some members only. */
        void ringTo(Ring r, List<String> ids) {
            for (String id : ids) {
                deliver("kv/kvnode/" + id, fromCoordinator(r));
            }
        }

        private static byte[] fromCoordinator(Ring r) {
            return FakeHost.envelope(0, 1, 0, "kv/coordinator/0", "kv/coordinator/0", bytes(r.encode()));
        }

        FakeHost.HttpAnswer http(String method, String key, String body) {
            int before = answers.size();
            assertThat(frontend.deliver(FakeHost.httpRequest(method, "/" + key, Map.of(), body, "_reply/h", 1)))
                    .as("frontend log %s", frontend.log).isZero();
            assertThat(answers).hasSize(before + 1);
            return FakeHost.decodeHttpResponse(answers.get(answers.size() - 1).data());
        }

        /** The members whose store holds {@code key}. */
        Set<String> holders(String key) {
            Set<String> out = new TreeSet<>();
            for (String id : kvnodes.keySet()) {
                if (stored(id, key) != null) {
                    out.add(id);
                }
            }
            return out;
        }

        /** {version, value} as member {@code id} stores it, or null. */
        Object[] stored(String id, String key) {
            byte[] raw = stores.get(Ring.nodeOf(id)).get("kv/kvnode/" + id + "/d/" + key);
            if (raw == null) {
                return null;
            }
            return new Object[] {ByteBuffer.wrap(raw).getLong(), new String(raw, 8, raw.length - 8, StandardCharsets.UTF_8)};
        }

        private static String idOf(String full) {
            return full.substring(full.lastIndexOf('/') + 1);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> ids(String... nodes) {
        List<String> out = new ArrayList<>();
        for (String n : nodes) {
            out.add(n + "-0");
            out.add(n + "-1");
        }
        return out;
    }

    static Sim cluster(long epoch, int replicas, String... nodes) {
        Sim sim = new Sim().kvnodes(ids(nodes).toArray(new String[0]));
        sim.publish(new Ring(epoch, replicas, ids(nodes)));
        sim.newFrontend();
        return sim;
    }

    private static void putAll(Sim sim, int n, String prefix) {
        for (int i = 0; i < n; i++) {
            FakeHost.HttpAnswer a = sim.http("PUT", prefix + i, "value of " + prefix + i);
            assertThat(a.status()).as("put %s%d: %s; frontend log %s", prefix, i, a.body(), sim.frontend.log).isEqualTo(200);
        }
    }

    private static void assertAllReadable(Sim sim, int n, String prefix) {
        for (int i = 0; i < n; i++) {
            FakeHost.HttpAnswer a = sim.http("GET", prefix + i, "");
            assertThat(a.status()).as("get %s%d: %s", prefix, i, a.body()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("value of " + prefix + i);
        }
    }

    @Test
    void aPutIsAcknowledgedOnceBothReplicasOnDifferentNodesStoredItAndAGetReadsIt() {
        Sim sim = cluster(1, 2, "a", "b", "c");
        assertThat(sim.toCoordinator).as("every member settled for epoch 1")
                .contains("kv/kvnode/a-0 settled 1", "kv/kvnode/b-1 settled 1", "kv/kvnode/c-0 settled 1");
        putAll(sim, 40, "key");
        for (int i = 0; i < 40; i++) {
            List<String> replicas = sim.ring.replicasOf("key" + i);
            assertThat(replicas).hasSize(2);
            assertThat(Ring.nodeOf(replicas.get(0))).isNotEqualTo(Ring.nodeOf(replicas.get(1)));
            assertThat(sim.holders("key" + i)).as("key%d is exactly where the JVM's ring puts it", i)
                    .containsExactlyInAnyOrderElementsOf(replicas);
        }
        assertAllReadable(sim, 40, "key");
        assertThat(sim.http("GET", "never-written", "").status()).isEqualTo(404);

        assertThat(sim.http("PUT", "key7", "second").status()).isEqualTo(200);
        assertThat(sim.http("GET", "key7", "").body()).isEqualTo("second");
        for (String m : sim.ring.replicasOf("key7")) {
            assertThat(sim.stored(m, "key7")[1]).isEqualTo("second");
        }
        assertThat(sim.toCoordinator.stream().filter(t -> t.startsWith("kv/frontend/") && t.endsWith(" topology")))
                .as("the frontend fetched the ring once and kept it").hasSize(1);

        assertThat(sim.http("GET", "", "").status()).isEqualTo(400);
        assertThat(sim.http("PUT", "a key", "").status()).as("keys are URL paths: no spaces").isEqualTo(400);
        assertThat(sim.http("PUT", "caf\u00e9", "").status()).as("nor other than ASCII").isEqualTo(400);
        assertThat(sim.http("PUT", "users/42?x=1", "v").status()).as("the query is not part of the key").isEqualTo(200);
        assertThat(sim.http("GET", "users/42", "").body()).isEqualTo("v");
        assertThat(sim.http("DELETE", "key1", "").status()).isEqualTo(405);
    }

    @Test
    void aFrontendTakesTheRingItsNodesKvNodesKeptInStorageAndAsksTheCoordinatorOnlyForANewerOne() {
        Sim sim = cluster(3, 2, "a", "b", "c");
        putAll(sim, 5, "s"); // through a frontend with a store of its own: it asked the Coordinator
        sim.toCoordinator.clear();
        sim.newFrontendOn("a");
        assertThat(sim.http("PUT", "s9", "nine").status()).isEqualTo(200);
        assertAllReadable(sim, 5, "s");
        assertThat(sim.toCoordinator).as("the ring came from node a's storage").isEmpty();

        // a new ring: the KVNodes keep it; then, as if node a's had not stored it yet, the old one
        // there: the first answer shows the newer epoch and the frontend asks the Coordinator
        Ring old = sim.ring;
        sim.kvnodes("c-2");
        sim.publish(new Ring(4, 2, sim.kvnodes.keySet().stream().sorted().toList()));
        sim.resendUntilSettled();
        assertThat(Ring.decode(new String(sim.stores.get("a").get(Ring.STORAGE_KEY), StandardCharsets.UTF_8)).epoch).isEqualTo(4);
        sim.stores.get("a").put(Ring.STORAGE_KEY, bytes(old.encode()));
        sim.newFrontendOn("a");
        sim.toCoordinator.clear();
        assertAllReadable(sim, 5, "s");
        assertThat(sim.toCoordinator.stream().filter(t -> t.startsWith("kv/frontend/") && t.endsWith(" topology")))
                .as("the stored ring was older than the KVNodes'").hasSize(1);
    }

    @Test
    void aMemberThatIsNotAReplicaForwardsAlongTheRingAndTheLastReplicaAnswers() {
        Sim sim = cluster(5, 2, "a", "b", "c");
        String key = "forwarded/key%20x";
        List<String> replicas = sim.ring.replicasOf(key);
        String outsider = sim.ring.members.stream().filter(m -> !replicas.contains(m)).findFirst().orElseThrow();
        assertThat(sim.tell(outsider, bytes("put 0 1000 - 0 0 - " + key + "\nhello"))).isEqualTo("ok 5");
        assertThat(sim.holders(key)).containsExactlyInAnyOrderElementsOf(replicas);
        assertThat(sim.tell(outsider, bytes("get 0 - 0 0 - " + key))).isEqualTo("val 5 1000\nhello");
        assertThat(sim.tell(outsider, bytes("get 0 - 0 0 - missing"))).isEqualTo("miss 5");

        // last writer wins: an older version that arrives late changes nothing
        assertThat(sim.tell(replicas.get(1), bytes("put 0 999 - 0 0 - " + key + "\nolder"))).isEqualTo("ok 5");
        for (String m : replicas) {
            assertThat(sim.stored(m, key)).containsExactly(1000L, "hello");
        }
        assertThat(sim.tell(replicas.get(0), bytes("put 0 1001 - 0 0 - " + key + "\nnewer"))).isEqualTo("ok 5");
        assertThat(sim.http("GET", key, "").body()).isEqualTo("newer");
        assertThat(sim.tell(outsider, bytes("stats"))).startsWith("keys 0 epoch 5");
    }

    @Test
    void whenANodeJoinsKeysMoveToItAndTheOthersDropWhatTheyNoLongerHold() {
        Sim sim = cluster(1, 2, "a", "b");
        putAll(sim, 60, "k");
        sim.kvnodes("c-0", "c-1");
        Ring next = new Ring(2, 2, ids("a", "b", "c"));
        sim.publish(next);
        // members that got the ring first handed keys to members that had not got it yet: those
        // answered with an error, and the hand-overs are redone at the Coordinator's next re-send
        assertThat(sim.resendUntilSettled()).isLessThanOrEqualTo(2);

        int onC = 0;
        for (int i = 0; i < 60; i++) {
            assertThat(sim.holders("k" + i)).as("k%d after the join", i).containsExactlyInAnyOrderElementsOf(next.replicasOf("k" + i));
            onC += sim.holders("k" + i).stream().anyMatch(m -> m.startsWith("c-")) ? 1 : 0;
        }
        assertThat(onC).as("keys that moved to the new node").isBetween(20, 60);
        sim.toCoordinator.clear();
        assertAllReadable(sim, 60, "k"); // the frontend still has epoch 1: answers tell it to fetch epoch 2
        assertThat(sim.toCoordinator.stream().filter(t -> t.startsWith("kv/frontend/") && t.endsWith(" topology"))).hasSize(1);
    }

    /**
     * While keys are on their way to a new member, gets that reach it first go on to the other
     * replicas, or (with one copy, when a key moves entirely) to the previous ring's replica.
     */
    @Test
    void getsFindKeysThatHaveNotMovedYet() {
        for (int replicas = 1; replicas <= 2; replicas++) {
            Sim sim = cluster(1, replicas, "a", "b");
            putAll(sim, 60, "k");
            sim.kvnodes("c-0", "c-1");
            sim.losePutsTo.addAll(List.of("c-0", "c-1")); // the hand-overs to the newcomers are still travelling
            Ring next = new Ring(2, replicas, ids("a", "b", "c"));
            sim.publish(next);
            sim.newFrontend();
            int atNewcomer = 0;
            for (int i = 0; i < 60; i++) {
                atNewcomer += next.replicasOf("k" + i).get(0).startsWith("c-") ? 1 : 0;
                assertThat(sim.holders("k" + i)).noneMatch(m -> m.startsWith("c-"));
            }
            assertThat(atNewcomer).as("keys whose first replica is a newcomer without them").isGreaterThan(5);
            assertAllReadable(sim, 60, "k");

            sim.losePutsTo.clear(); // unanswered hand-overs are redone after a re-send, then old copies go
            assertThat(sim.resendUntilSettled()).isLessThanOrEqualTo(3);
            for (int i = 0; i < 60; i++) {
                assertThat(sim.holders("k" + i)).containsExactlyInAnyOrderElementsOf(next.replicasOf("k" + i));
            }
            assertAllReadable(sim, 60, "k");
        }
    }

    @Test
    void aMemberRestartedInTheMiddleOfARebalanceHandsEverythingOverAgain() {
        Sim sim = cluster(1, 2, "a", "b");
        putAll(sim, 40, "k");
        sim.kvnodes("c-0", "c-1");
        sim.losePutsTo.addAll(List.of("c-0", "c-1"));
        Ring next = new Ring(2, 2, ids("a", "b", "c"));
        sim.publish(next); // the hand-overs to c are lost, and then every old member restarts
        sim.losePutsTo.clear();
        for (String m : ids("a", "b")) {
            sim.restart(m); // it asks the Coordinator for the ring: the same epoch, but it knows nothing of its hand-overs
        }
        assertThat(sim.resendUntilSettled()).isLessThanOrEqualTo(2);
        for (int i = 0; i < 40; i++) {
            assertThat(sim.holders("k" + i)).containsExactlyInAnyOrderElementsOf(next.replicasOf("k" + i));
        }
        sim.newFrontend();
        assertAllReadable(sim, 40, "k");
    }

    @Test
    void whenANodeDiesItsKeysStayReadableAndAreCopiedAgain() {
        Sim sim = cluster(1, 2, "a", "b", "c");
        putAll(sim, 60, "k");
        sim.down.addAll(List.of("c-0", "c-1"));
        assertAllReadable(sim, 60, "k"); // the frontend tries the next replica when the first is unreachable

        String key = java.util.stream.IntStream.range(0, 60).mapToObj(i -> "k" + i)
                .filter(k -> sim.ring.replicasOf(k).get(1).startsWith("c-")).findFirst().orElseThrow();
        assertThat(sim.tell(sim.ring.replicasOf(key).get(0), bytes("put 0 5 - 0 0 - " + key + "\nx")))
                .as("a put cannot reach all replicas: an error, and the frontend would retry")
                .startsWith("err 1 c-").endsWith("EUNREACHABLE");
        String never = java.util.stream.IntStream.range(0, 200).mapToObj(i -> "never" + i)
                .filter(k -> sim.ring.replicasOf(k).get(1).startsWith("c-")).findFirst().orElseThrow();
        assertThat(sim.tell(sim.ring.replicasOf(never).get(0), bytes("get 1 - 0 0 - " + never)))
                .as("a key the reachable replica lacks, while the other cannot be asked: not a miss")
                .startsWith("err 1 some replicas are unreachable");

        Ring without = new Ring(2, 2, ids("a", "b"));
        sim.publish(without);
        assertThat(sim.resendUntilSettled()).isLessThanOrEqualTo(2);
        for (int i = 0; i < 60; i++) {
            Set<String> alive = sim.holders("k" + i);
            alive.removeIf(m -> m.startsWith("c-"));
            assertThat(alive).as("k%d copied again", i).containsExactlyInAnyOrderElementsOf(without.replicasOf("k" + i));
        }
        sim.newFrontend();
        assertAllReadable(sim, 60, "k");
    }

    @Test
    void theCoordinatorPublishesTheRingOfTheKvNodesItFindsAndTheNextOneWhenTheyHaveSettled() {
        // Scripted through its sends: when it publishes the first ring, a node joins and the members
        // report settled; when it publishes the second, they settle again and somebody asks for 3 copies.
        FakeHost coordinator = new FakeHost("kv/coordinator/0");
        coordinator.instantiate("kv-coordinator");
        coordinator.instances.addAll(List.of("kv/kvnode/a-0", "kv/kvnode/a-1", "kv/kvnode/b-0"));
        List<Ring> published = new ArrayList<>();
        coordinator.sendResult = s -> {
            String text = s.text();
            if (text.equals("topology")) { // recovery at start: these KVNodes know no ring yet
                coordinator.mailbox.add(FakeHost.envelope(0, 0, s.correlation(), s.to(), s.to(), bytes("none")));
            } else if (text.startsWith("topo ") && s.to().equals("kvnode/a-0")) {
                Ring r = Ring.decode(text);
                if (published.isEmpty() || published.get(published.size() - 1).epoch != r.epoch) {
                    published.add(r);
                }
                if (published.size() == 1 && r.members.size() == 3) {
                    // a node joins; the members report they moved their keys for the first ring
                    coordinator.instances.add("kv/kvnode/c-0");
                    coordinator.mailbox.add(FakeHost.envelope(0, 0, 0, "_api", "_reply/early", bytes("replicas 3")));
                    for (String m : r.members) {
                        coordinator.mailbox.add(FakeHost.message("kv/kvnode/" + m, "settled " + r.epoch));
                    }
                    coordinator.mailbox.add(FakeHost.envelope(0, 0, 0, "_api", "_reply/where", bytes("where some key")));
                } else if (published.size() == 2 && r.members.size() == 4 && r.replicas == 2) {
                    for (String m : r.members) {
                        coordinator.mailbox.add(FakeHost.message("kv/kvnode/" + m, "settled " + r.epoch));
                    }
                    coordinator.mailbox.add(FakeHost.envelope(0, 0, 0, "_api", "_reply/replicas", bytes("replicas 3")));
                }
            }
            return s.to().startsWith("_reply/") || s.to().contains("kvnode/") ? 1 : ENOTFOUND;
        };
        coordinator.drainAtNanos = System.nanoTime() + 3_000_000_000L;
        assertThat(coordinator.runLoopUntilDrained()).as("log %s", coordinator.log).isNull();

        assertThat(published).as("log %s", coordinator.log).hasSize(3);
        Ring first = published.get(0);
        Ring second = published.get(1);
        assertThat(first.members).containsExactly("a-0", "a-1", "b-0");
        assertThat(first.replicas).isEqualTo(2);
        assertThat(second.members).containsExactly("a-0", "a-1", "b-0", "c-0");
        assertThat(second.epoch).isGreaterThan(first.epoch);
        FakeHost.Sent where = coordinator.sent.stream().filter(s -> s.to().equals("_reply/where")).findFirst().orElseThrow();
        assertThat(where.text()).isEqualTo(String.join(" ", first.replicasOf("some key")));
        List<String> toNewcomer = coordinator.sent.stream().filter(s -> s.to().equals("kvnode/c-0")).map(FakeHost.Sent::text).toList();
        assertThat(toNewcomer.subList(0, 2)).as("the newcomer learns where keys were, then where they go")
                .containsExactly(first.encode(), second.encode());
        assertThat(coordinator.sent.stream().filter(s -> s.text().startsWith("topo ")).allMatch(s -> (s.flags() & 1) == 1))
                .as("rings are sent FIFO").isTrue();

        // the replication factor changes by message, once the keys of the last change have moved
        assertThat(coordinator.sent.stream().filter(s -> s.to().equals("_reply/early")).findFirst().orElseThrow().text())
                .startsWith("keys are still moving");
        assertThat(coordinator.sent.stream().filter(s -> s.to().equals("_reply/replicas")).findFirst().orElseThrow().text())
                .startsWith("replication factor 3");
        assertThat(published.get(2).replicas).isEqualTo(3);
        assertThat(published.get(2).members).isEqualTo(second.members);
    }

    @Test
    void theCoordinatorSurvivesAFloodOfRequestsWhileItLooksUpItsMembersTwiceASecond() {
        // The Coordinator trapped at a garbage address after a few seconds of this when built with
        // TeaVM's "advanced" optimizations (heap corruption; sdk/java-build/README.md). 24 KVNodes,
        // topology requests as fast as it answers them for 8 s: ~16 look-ups, a ring, many GCs.
        FakeHost coordinator = new FakeHost("kv/coordinator/0");
        coordinator.instantiate("kv-coordinator");
        for (String node : List.of("a", "b", "c")) {
            for (int i = 0; i < 8; i++) {
                coordinator.instances.add("kv/kvnode/" + node + "-" + i);
            }
        }
        long[] answered = {0};
        long until = System.nanoTime() + 8_000_000_000L;
        coordinator.sendResult = s -> {
            String text = s.text();
            if (text.equals("topology")) { // recovery at start: nobody knows a ring yet
                coordinator.mailbox.add(FakeHost.envelope(0, 0, s.correlation(), s.to(), s.to(), bytes("none")));
            } else if (s.to().startsWith("kvnode/")) {
                coordinator.mailbox.add(FakeHost.message("kv/" + s.to(), "settled " + Ring.decode(text).epoch));
            } else {
                assertThat(Ring.decode(text)).as("answer to a topology request").isNotNull();
                answered[0]++;
            }
            if (coordinator.mailbox.size() < 100 && System.nanoTime() < until) {
                for (int i = 0; i < 1000; i++) {
                    coordinator.mailbox.add(FakeHost.envelope(0, 0, i + 1, "kv/frontend/r" + i, "_reply/f" + i,
                            bytes("topology")));
                }
            }
            coordinator.sent.clear(); // millions of them
            return 1;
        };
        coordinator.mailbox.add(FakeHost.envelope(0, 0, 1, "kv/frontend/r0", "_reply/f0", bytes("topology")));
        coordinator.drainAtNanos = until;

        assertThat(coordinator.runLoopUntilDrained()).as("log %s", coordinator.log).isNull();
        assertThat(coordinator.log).anyMatch(l -> l.contains("new ring") && l.contains("24 members"));
        assertThat(answered[0]).as("topology requests answered").isGreaterThan(10_000);
    }

    @Test
    void aFrontendSendsEachRequestToTheReplicaOnItsOwnNodeWhenTheKeyHasOne() {
        Sim sim = cluster(1, 2, "a", "b", "c");
        FakeHost frontend = sim.newFrontendOn("b");
        int local = 0;
        for (int i = 0; i < 40; i++) {
            String key = "k" + i;
            List<String> replicas = sim.ring.replicasOf(key);
            String onB = replicas.stream().filter(m -> Ring.nodeOf(m).equals("b")).findFirst().orElse(null);
            String expectedFirst = onB != null ? onB : replicas.get(0);
            for (String method : List.of("PUT", "GET")) {
                sim.traffic.clear();
                FakeHost.HttpAnswer a = sim.http(method, key, "v" + i);
                assertThat(a.status()).as("%s %s: %s", method, key, a.body()).isEqualTo(200);
                assertThat(sim.traffic.get(0)).as("%s %s, replicas %s", method, key, replicas)
                        .isEqualTo(frontend.selfName + " -> " + expectedFirst + " " + method.toLowerCase());
            }
            assertThat(sim.holders(key)).containsExactlyInAnyOrderElementsOf(replicas);
            local += onB != null ? 1 : 0;
        }
        assertThat(local).as("keys with a replica on b").isBetween(10, 39);
    }
}
