package io.atoll.examples.kvstore;

import io.atoll.examples.kvstore.Wire.Get;
import io.atoll.examples.kvstore.Wire.Put;
import io.atoll.examples.kvstore.Wire.Versioned;
import io.atoll.sdk.Atoll;
import io.atoll.sdk.AtollException;
import io.atoll.sdk.Kv;
import io.atoll.sdk.Message;
import io.atoll.sdk.SendOptions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A member of the ring (daemon, handler style; the manifest runs 8 on every node as
 * {@code kv/kvnode/<node>-<k>}). It stores the keys the ring gives it in its node's storage, under
 * its own name ({@code kv/kvnode/a-3/d/<key>}: the store is shared by every atom of the
 * application on the node).
 *
 * <ul>
 *   <li>{@code put}: stores the value if it is one of the key's replicas, then passes the put to
 *       the next replica that has not stored it; the last one answers {@code ok} to the client.
 *       A member that is not responsible only passes it on (forwarding along the ring).
 *   <li>{@code get}: answers from its store if it is a replica and has the key, else asks the next
 *       replica, then the replicas of the previous ring (keys may not have moved yet); the last one
 *       asked answers {@code val}, {@code miss} or {@code err}.
 *   <li>A member whose ring is older than a request's ({@code epoch}) does not route it: it answers
 *       {@code err} (the client tries again) and asks the Coordinator for the ring. So a chain
 *       that ends with {@code ok} stored the value on every replica of the newest ring it met,
 *       and a member handing a key over may delete its copy then.
 *   <li>{@code topo} (from the Coordinator): a new ring. The member hands every key whose replicas
 *       changed to the new replicas (a put along the ring, answered to itself), a few at a time,
 *       and deletes a key it is no longer responsible for once all its replicas acknowledged it.
 *       When everything moved it tells the Coordinator {@code settled <epoch>}.
 * </ul>
 *
 * <p>A KVNode never waits for another atom (no {@code Atoll.request}): it only sends. Two members
 * waiting for each other's answers would deadlock, since an atom handles one message at a time.
 */
public final class KvNodeAtom {
    /** Keys handed over per step of a rebalance; the rest waits behind the messages already queued. */
    static final int PUSH_CHUNK = 32;

    private static String self;         // kv/kvnode/a-3
    private static String id;           // a-3: its name on the ring
    private static String dataPrefix;   // kv/kvnode/a-3/d/
    private static byte[] dataPrefixBytes;
    private static Ring ring;
    /** The ring before {@link #ring}: where keys may still be while they move. */
    private static Ring previous;
    /** The ring this member's keys were last placed for; null after a (re)start: then all are handed over. */
    private static Ring placed;
    private static final ArrayDeque<String> toPush = new ArrayDeque<>();
    /** Hand-overs waiting for their acknowledgement, by correlation id. */
    private static final Map<Long, Handoff> handoffs = new HashMap<>();
    private static final Set<String> failed = new HashSet<>();
    private static long nextCorrelation;
    /** Counts the Coordinator's periodic re-sends of the ring: hand-overs older than one are redone. */
    private static int round;
    /** The newest epoch we asked the Coordinator for, having seen it in a request. */
    private static long askedFor;

    private record Handoff(String key, long version, int round) {
    }

    private KvNodeAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(KvNodeAtom::handle);
    }

    static void handle(Message msg) {
        if (self == null) {
            start();
        }
        if (msg.isHttp()) {
            return; // no route leads here
        }
        byte[] p = msg.payload();
        String verb = Wire.verb(p);
        switch (verb) {
            case "put" -> onPut(Put.decode(p).answeringTo(msg.replyTo(), msg.correlation()));
            case "get" -> onGet(Get.decode(p).answeringTo(msg.replyTo(), msg.correlation()));
            case "topo" -> onRing(Ring.decode(msg.text()));
            case "ok", "err" -> onHandoffAnswer(msg.correlation(), verb.equals("ok"));
            case "more" -> pushSome();
            case "topology" -> msg.reply(ring == null ? "none" : ring.encode());
            case "stats" -> msg.reply(stats());
            default -> Atoll.warn("unknown message from " + msg.sender() + ": " + verb);
        }
    }

    /** First message after a (re)start: who am I, which ring did I know, and ask for the current one. */
    private static void start() {
        self = Atoll.self();
        id = self.substring(self.lastIndexOf('/') + 1);
        dataPrefix = self + "/d/";
        dataPrefixBytes = Wire.ascii(dataPrefix);
        String saved = Atoll.kv().getString(self + "/ring");
        ring = saved == null ? null : Ring.decode(saved);
        nextCorrelation = (Atoll.randomLong() >>> 16) + 1; // unlike the ids of a previous run
        try {
            Atoll.send("coordinator", "topology"); // answered with a "topo" message
        } catch (AtollException e) {
            Atoll.info("no coordinator yet (" + e.error() + "): it sends the ring when it starts");
        }
    }

    // ---------------------------------------------------------------- put

    static void onPut(Put p) {
        if (behind(p.epoch(), p.replyTo(), p.correlation())) {
            return;
        }
        List<String> replicas = ring.replicasOf(p.key());
        List<String> stored = new ArrayList<>(p.stored());
        if (replicas.contains(id) && !stored.contains(id)) {
            storeIfNewer(p.key(), new Versioned(p.version(), p.value()));
            stored.add(id);
        }
        String next = firstNotIn(replicas, stored);
        if (next == null) {
            answer(p.replyTo(), p.correlation(), "ok", null);
        } else if (p.hops() >= Wire.MAX_HOPS) {
            answer(p.replyTo(), p.correlation(), "err", "too many hops");
        } else {
            try {
                Atoll.send("kvnode/".concat(next), p.next(ring.epoch, stored).encode());
            } catch (AtollException e) { // its node is down or cut off: the client tries again
                answer(p.replyTo(), p.correlation(), "err", next + " " + e.error());
            }
        }
    }

    /**
     * Whether we cannot route a request because we have no ring, or an older one than a member
     * it went through: then it is answered with an error and we ask the Coordinator for the ring.
     */
    private static boolean behind(long epoch, String replyTo, long correlation) {
        if (ring != null && !ring.isEmpty() && epoch <= ring.epoch) {
            return false;
        }
        answer(replyTo, correlation, "err", id + " has not got ring " + epoch);
        if (epoch > askedFor) {
            askedFor = epoch;
            try {
                Atoll.send("coordinator", "topology");
            } catch (AtollException e) {
                Atoll.debug("no coordinator to ask (" + e.error() + ")");
            }
        }
        return true;
    }

    /** Last writer wins: a late or repeated copy never replaces a newer version. */
    private static void storeIfNewer(String key, Versioned v) {
        byte[] storageKey = storageKey(key);
        Versioned have = load(storageKey);
        if (have == null || have.version() < v.version()) {
            Atoll.kv().put(storageKey, v.encode());
        }
    }

    private static Versioned load(String key) {
        return load(storageKey(key));
    }

    private static Versioned load(byte[] storageKey) {
        byte[] raw = Atoll.kv().get(storageKey);
        return raw == null ? null : Versioned.decode(raw);
    }

    /**
     * {@code dataPrefix + key} as bytes, built directly: keys come from the store's ASCII headers,
     * so they are written as Wire writes them. Cheaper in Wasm than a String concatenation encoded
     * to UTF-8 on every get and put.
     */
    private static byte[] storageKey(String key) {
        return new Wire.Out(dataPrefixBytes.length + key.length()).raw(dataPrefixBytes).raw(key).bytes();
    }

    // ---------------------------------------------------------------- get

    static void onGet(Get g) {
        if (behind(g.epoch(), g.replyTo(), g.correlation())) {
            return;
        }
        List<String> visited = new ArrayList<>(g.visited());
        if (!visited.contains(id)) {
            visited.add(id);
        }
        List<String> current = ring.replicasOf(g.key());
        Versioned v = load(g.key());
        // A replica's copy is current; anybody else's only once the replicas have all been asked.
        if (v != null && (current.contains(id) || allVisited(current, visited))) {
            answerValue(g, v);
            return;
        }
        Set<String> candidates = new LinkedHashSet<>(current);
        if (previous != null) {
            candidates.addAll(previous.replicasOf(g.key()));
        }
        for (String c : candidates) {
            if (visited(c, visited)) {
                continue;
            }
            if (g.hops() >= Wire.MAX_HOPS) {
                break;
            }
            try {
                Atoll.send("kvnode/".concat(c), g.next(ring.epoch, visited).encode());
                return;
            } catch (AtollException e) {
                visited.add(c + "!"); // "!": could not be asked; then a miss is not a real miss
            }
        }
        if (v != null) {
            answerValue(g, v);
        } else if (anyUnreachable(visited)) {
            answer(g.replyTo(), g.correlation(), "err", "some replicas are unreachable");
        } else {
            answer(g.replyTo(), g.correlation(), "miss", null);
        }
    }

    private static boolean visited(String member, List<String> visited) {
        for (String v : visited) { // "<member>!" marks one that could not be reached
            if (v.equals(member) || v.length() == member.length() + 1 && v.endsWith("!") && v.startsWith(member)) {
                return true;
            }
        }
        return false;
    }

    private static boolean anyUnreachable(List<String> visited) {
        for (String v : visited) {
            if (v.endsWith("!")) {
                return true;
            }
        }
        return false;
    }

    private static boolean allVisited(List<String> members, List<String> visited) {
        for (String m : members) {
            if (!visited(m, visited)) {
                return false;
            }
        }
        return true;
    }

    private static void answerValue(Get g, Versioned v) {
        sendAnswer(g.replyTo(), g.correlation(), new Wire.Out(32).word("val").num(ring.epoch).num(v.version()).withBody(v.value()));
    }

    // ---------------------------------------------------------------- answers

    /** {@code <verb> <our epoch> [why]}: ok, miss or err. */
    private static void answer(String to, long correlation, String verb, String why) {
        if (to.equals(self)) { // the end of one of our own hand-overs
            onHandoffAnswer(correlation, verb.equals("ok"));
            return;
        }
        Wire.Out out = new Wire.Out(32).word(verb).num(ring == null ? 0 : ring.epoch);
        sendAnswer(to, correlation, why == null ? out.bytes() : out.word(why).bytes());
    }

    private static void sendAnswer(String to, long correlation, byte[] data) {
        try {
            Atoll.send(to, data, SendOptions.defaults().correlation(correlation));
        } catch (AtollException e) {
            Atoll.debug("answer to " + to + " not delivered: " + e.error()); // it gave up, or its node is gone
        }
    }

    // ---------------------------------------------------------------- the ring changes

    static void onRing(Ring r) {
        if (r == null || r.isEmpty() || (ring != null && r.epoch < ring.epoch)) {
            return; // not a ring (or the empty one of a Coordinator that has found nobody yet), or an old one
        }
        if (ring != null && r.epoch == ring.epoch && placed != null) {
            retryUnfinished(); // the Coordinator's periodic re-send
            return;
        }
        if (ring == null || r.epoch > ring.epoch) {
            previous = ring;
            ring = r;
            Atoll.kv().put(self + "/ring", r.encode()); // a restarted member routes with it at once
            Ring shared = storedRing();
            if (shared == null || shared.epoch < r.epoch) { // for this node's Frontends
                Atoll.kv().put(Ring.STORAGE_KEY, r.encode());
            }
        }
        // A new ring, or the first one after a restart (placed is null: whatever a rebalance left
        // unfinished then is redone, since every key is handed over).
        handoffs.clear();
        failed.clear();
        toPush.clear();
        for (Kv.Entry e : Atoll.kv().scan(dataPrefix)) {
            String key = e.key().substring(dataPrefix.length());
            List<String> now = r.replicasOf(key);
            if (!now.contains(id) || placed == null || !now.equals(placed.replicasOf(key))) {
                toPush.add(key);
            }
        }
        Atoll.info("ring " + r + ": " + toPush.size() + " keys to hand over");
        pushSome();
    }

    /** Hands over the next few keys; asks itself to continue after the messages waiting now. */
    private static void pushSome() {
        for (int i = 0; i < PUSH_CHUNK && !toPush.isEmpty(); i++) {
            handOver(toPush.poll());
        }
        if (!toPush.isEmpty()) {
            try {
                Atoll.send(self, "more");
            } catch (AtollException e) {
                Atoll.warn("rebalance paused (" + e.error() + "): continues at the next ring re-send");
            }
        } else {
            placed = ring;
            reportIfSettled();
        }
    }

    /** A put of our copy along the ring, answered to us; we delete the copy if we are no longer a replica. */
    private static void handOver(String key) {
        Versioned v = load(key);
        if (v == null) {
            return;
        }
        long correlation = nextCorrelation++;
        handoffs.put(correlation, new Handoff(key, v.version(), round));
        onPut(new Put(ring.epoch, v.version(), self, correlation, 0, List.of(), key, v.value()));
    }

    private static void onHandoffAnswer(long correlation, boolean ok) {
        Handoff h = handoffs.remove(correlation);
        if (h == null) {
            return; // from before the last ring change: that rebalance was redone
        }
        if (!ok) {
            failed.add(h.key());
        } else if (!ring.replicasOf(h.key()).contains(id)) {
            Versioned v = load(h.key());
            if (v != null && v.version() == h.version()) { // not if a newer write came meanwhile
                Atoll.kv().delete(dataPrefix + h.key());
            }
        }
        reportIfSettled();
    }

    /** On the Coordinator's re-send: redo failed hand-overs and those unanswered since the last one. */
    private static void retryUnfinished() {
        if (!toPush.isEmpty()) {
            pushSome(); // also restarts a rebalance whose "more" could not be sent
            return;
        }
        List<Long> stale = new ArrayList<>();
        handoffs.forEach((c, h) -> {
            if (h.round() < round) {
                stale.add(c);
            }
        });
        for (Long c : stale) {
            failed.add(handoffs.remove(c).key());
        }
        round++;
        toPush.addAll(failed);
        failed.clear();
        if (toPush.isEmpty()) {
            reportIfSettled(); // again: the last report may have been lost
        } else {
            pushSome();
        }
    }

    private static void reportIfSettled() {
        if (toPush.isEmpty() && handoffs.isEmpty() && failed.isEmpty()) {
            try {
                Atoll.send("coordinator", "settled " + ring.epoch);
            } catch (AtollException e) {
                Atoll.debug("settled, but the coordinator is away (" + e.error() + ")");
            }
        }
    }

    // ---------------------------------------------------------------- the rest

    private static Ring storedRing() {
        String text = Atoll.kv().getString(Ring.STORAGE_KEY);
        return text == null ? null : Ring.decode(text);
    }

    private static String stats() {
        int keys = Atoll.kv().scan(dataPrefix).size();
        return "keys " + keys + " epoch " + (ring == null ? 0 : ring.epoch) + " moving "
                + (toPush.size() + handoffs.size() + failed.size());
    }

    private static String firstNotIn(List<String> members, List<String> exclude) {
        for (String m : members) {
            if (!exclude.contains(m)) {
                return m;
            }
        }
        return null;
    }
}
