package io.atoll.examples.kvstore;

import io.atoll.sdk.Atoll;
import io.atoll.sdk.AtollException;
import io.atoll.sdk.LookupMode;
import io.atoll.sdk.Message;
import io.atoll.sdk.SendOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tracks the ring (daemon, loop style, one per application). Twice a second it looks up the
 * KVNode instances of the whole cluster by name; when the set changed (and stayed so for one more
 * look, since a node's eight instances appear over a few hundred milliseconds) it publishes a new
 * ring, with a new epoch, to every KVNode, which then rebalance. Every two seconds it sends the
 * ring again to the members that have not reported {@code settled} for it: one that missed it
 * catches up, one whose hand-overs failed retries them.
 *
 * <p>One change at a time: a new ring is published only once every live member reported
 * {@code settled} for the current one (or after {@link #SETTLE_TIMEOUT_MS}), so while keys move
 * they are always at the replicas of the current ring or of the previous one, where gets look.
 * Members new in a ring get the previous ring first, so that they know where keys come from.
 *
 * <p>Messages: {@code topology} (frontends and KVNodes: answered with the ring), {@code settled
 * <epoch>} (KVNodes), and for people: {@code ring}, {@code where <key>}, {@code replicas <n>}.
 *
 * <p>It keeps nothing itself: a Coordinator that restarts (on another node after a failure) asks
 * a few KVNodes for the ring they have, and continues from its epoch and replication factor.
 */
public final class CoordinatorAtom {
    static final long CHECK_MS = 500;
    static final long RESEND_MS = 2000;
    static final long SETTLE_TIMEOUT_MS = 20_000;
    /** Copies of each key. The manifest cannot pass settings to an atom: change it with {@code replicas <n>}. */
    static final int DEFAULT_REPLICAS = 2;

    private static String kvnodes;  // "kv/kvnode/": the prefix of every member's full name
    private static Ring ring;
    private static Ring previous;
    /** The members' names seen at the last look, when they differed from the ring's. */
    private static List<String> lastSeen;
    /** Members that reported having moved their keys for the current ring. */
    private static final Set<String> settled = new HashSet<>();
    private static long publishedAt;
    private static boolean published;

    private CoordinatorAtom() {
    }

    public static void main(String[] args) {
        Atoll.run(CoordinatorAtom::loop);
    }

    static void loop() {
        String self = Atoll.self();
        kvnodes = self.substring(0, self.indexOf('/')) + "/kvnode/";
        ring = recover();
        publishedAt = nowMs();
        Atoll.info("starting with the ring " + ring);
        long nextCheck = 0;
        long nextResend = nowMs() + RESEND_MS;
        while (true) {
            Message msg = Atoll.receive(Math.max(0, Math.min(nextCheck, nextResend) - nowMs()));
            if (msg != null) {
                handle(msg);
            }
            long now = nowMs();
            if (now >= nextCheck) {
                checkMembers();
                nextCheck = now + CHECK_MS;
            }
            if (now >= nextResend) {
                sendRing(unsettled(), ring);
                nextResend = now + RESEND_MS;
            }
        }
    }

    static void handle(Message msg) {
        String[] w = msg.isHttp() ? new String[] {""} : Wire.split(msg.text().trim(), ' ', 2);
        switch (w[0]) {
            case "topology" -> msg.reply(ring.encode());
            case "settled" -> {
                if (w.length == 2 && w[1].equals(Long.toString(ring.epoch))) {
                    settled.add(idOf(msg.sender()));
                }
            }
            case "ring" -> msg.reply(ring + (settled.containsAll(ring.members) ? ", settled" : ", moving keys"));
            case "where" -> msg.reply(w.length == 2 ? String.join(" ", ring.replicasOf(w[1])) : "where <key>");
            case "replicas" -> msg.reply(setReplicas(w.length == 2 ? w[1] : ""));
            default -> {
                if (msg.sender().startsWith("_")) { // a person (atoll send), not an atom: say what we understand
                    msg.reply("unknown request; try: ring | where <key> | replicas <n> | topology");
                }
            }
        }
    }

    private static String setReplicas(String n) {
        int replicas;
        try {
            replicas = Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
            return "replicas <n>, n >= 1";
        }
        if (replicas < 1) {
            return "replicas <n>, n >= 1";
        }
        if (!settledAmong(ring.members)) {
            return "keys are still moving for the current ring: try again in a moment";
        }
        publish(new Ring(nextEpoch(), replicas, ring.members));
        return "replication factor " + replicas + ": keys are moving to their new replicas";
    }

    /** Looks up the members; publishes a new ring if they changed, were seen twice, and the last change settled. */
    private static void checkMembers() {
        List<String> live = new ArrayList<>();
        for (String name : Atoll.names().lookup(LookupMode.PREFIX, kvnodes)) {
            live.add(idOf(name));
        }
        live.sort(null);
        if (live.equals(ring.members)) {
            lastSeen = null;
            return;
        }
        if (!live.equals(lastSeen)) {
            lastSeen = live; // look once more before acting
            return;
        }
        if (published && !settledAmong(live) && nowMs() - publishedAt < SETTLE_TIMEOUT_MS) {
            return; // keys are still moving for the current ring
        }
        publish(new Ring(nextEpoch(), ring.replicas, live));
    }

    /** The members that have not reported settled for the current ring (all, right after it changed). */
    private static List<String> unsettled() {
        List<String> out = new ArrayList<>();
        for (String m : ring.members) {
            if (!settled.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Whether every member of the current ring that is still alive reported settled. */
    private static boolean settledAmong(List<String> live) {
        for (String m : ring.members) {
            if (live.contains(m) && !settled.contains(m)) {
                return false;
            }
        }
        return true;
    }

    private static void publish(Ring r) {
        previous = ring;
        ring = r;
        settled.clear();
        publishedAt = nowMs();
        published = true;
        lastSeen = null;
        Atoll.info("new ring " + r);
        List<String> newcomers = new ArrayList<>();
        for (String m : r.members) {
            if (!previous.members.contains(m)) {
                newcomers.add(m);
            }
        }
        if (!previous.isEmpty()) {
            sendRing(newcomers, previous);
        }
        sendRing(r.members, r);
    }

    /** FIFO: a member gets the rings in the order they were sent. */
    private static void sendRing(List<String> to, Ring r) {
        String text = r.encode();
        for (String m : to) {
            try {
                Atoll.send("kvnode/" + m, Wire.ascii(text), SendOptions.defaults().fifo());
            } catch (AtollException e) {
                Atoll.debug("ring not sent to " + m + ": " + e.error()); // gone, or full: the next re-send
            }
        }
    }

    /** The ring a previous Coordinator left with the KVNodes (the newest of a few), else an empty one. */
    private static Ring recover() {
        Ring best = null;
        int answers = 0;
        for (String name : Atoll.names().lookup(LookupMode.PREFIX, kvnodes)) {
            try {
                Message m = Atoll.request(name, "topology", Duration.ofMillis(500));
                Ring r = m == null ? null : Ring.decode(m.text());
                if (r != null && (best == null || r.epoch > best.epoch)) {
                    best = r;
                }
                if (m != null && ++answers == 3) {
                    break;
                }
            } catch (AtollException e) {
                // on a node that is down: ask the next
            }
        }
        return best != null ? best : new Ring(0, DEFAULT_REPLICAS, List.of());
    }

    /** Epochs grow, also across Coordinators: the clock, unless that is behind the last one. */
    private static long nextEpoch() {
        return Math.max(ring.epoch + 1, Atoll.currentTimeMillis());
    }

    private static String idOf(String fullName) {
        return fullName.substring(fullName.lastIndexOf('/') + 1);
    }

    private static long nowMs() {
        return Atoll.monotonicNanos() / 1_000_000L;
    }
}
