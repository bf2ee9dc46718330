package io.atoll.examples.kvstore;

import io.atoll.examples.kvstore.Wire.Get;
import io.atoll.examples.kvstore.Wire.Put;
import io.atoll.sdk.Atoll;
import io.atoll.sdk.AtollException;
import io.atoll.sdk.HttpRequest;
import io.atoll.sdk.HttpResponse;
import io.atoll.sdk.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The HTTP gateway (reactive, {@code on-demand-expire(after: 5s)}): {@code PUT /apps/kv/<key>}
 * with the value as body answers 200 once every replica stored it; {@code GET /apps/kv/<key>}
 * answers 200 with the value or 404. The key is the rest of the path as sent (percent-encoding
 * included), printable ASCII.
 *
 * <p>It sends each request to one of the key's replicas on its copy of the ring, the one on its
 * own Atoll node if there is one (a get then costs no hop between nodes, a put one fewer), else
 * the first in ring order; the KVNodes take it from there, and it waits for the answer. If that
 * member cannot be reached or answers with an
 * error, it tries the next replica, then asks the Coordinator for the ring again and starts over,
 * until {@link #DEADLINE_MS}: then 503. Retrying a put is safe: it carries the same version.
 * Requests carry the epoch of the frontend's ring, so a KVNode that has not got that ring yet
 * answers with an error instead of routing with an older one.
 * The ring is read on the first request (from the node's storage, where the KVNodes keep it, else
 * from the Coordinator) and again whenever a KVNode's answer shows a newer epoch; an instance keeps
 * it while it lives.
 */
public final class FrontendAtom {
    static final Duration ATTEMPT = Duration.ofSeconds(2);
    /** Under the manifest's timeout (15 s), which bounds one request's handling. */
    static final long DEADLINE_MS = 10_000;
    static final int MAX_KEY = 512;

    private static Ring ring;
    private static boolean stale = true;
    /** The Atoll node this instance runs on: its name is {@code kv/frontend/<node>-r<n>} in a cluster. */
    private static String node;
    private static long lastVersion;

    private FrontendAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(FrontendAtom::handle);
    }

    static void handle(Message msg) {
        if (!msg.isHttp()) {
            return; // a late answer to a request we stopped waiting for: that client has its answer
        }
        HttpRequest req = msg.http();
        String key = req.pathOnly().substring(1);
        if (!validKey(key)) {
            msg.reply(HttpResponse.text(400, "use /apps/kv/<key>: 1 to " + MAX_KEY
                    + " printable ASCII characters (percent-encode the others)\n"));
            return;
        }
        switch (req.method()) {
            case "PUT", "POST" -> msg.reply(put(key, req.body()));
            case "GET" -> msg.reply(get(key));
            default -> msg.reply(HttpResponse.text(405, "GET or PUT\n").header("allow", "GET, PUT, POST"));
        }
    }

    /** Keys travel in the ASCII header of the store's messages: printable ASCII, no spaces. */
    static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static HttpResponse put(String key, byte[] value) {
        long version = newVersion();
        Message answer = ask(key, epoch -> new Put(epoch, version, "-", 0, 0, List.of(), key, value).encode());
        if (answer == null) {
            return HttpResponse.text(503, "not stored on every replica in time; retry\n");
        }
        return HttpResponse.text(200, "stored\n");
    }

    private static HttpResponse get(String key) {
        Message answer = ask(key, epoch -> new Get(epoch, "-", 0, 0, List.of(), key).encode());
        if (answer == null) {
            return HttpResponse.text(503, "no replica answered in time; retry\n");
        }
        if (Wire.verb(answer.payload()).equals("miss")) {
            return HttpResponse.text(404, "no such key\n");
        }
        return HttpResponse.status(200).header("content-type", "application/octet-stream")
                .body(Wire.body(answer.payload()));
    }

    /**
     * The first answer that is not an error ({@code ok}, {@code val} or {@code miss}) from the key's
     * replicas, tried in ring order and again with a fresh ring; null at the deadline.
     */
    private static Message ask(String key, LongFunction<byte[]> request) {
        long deadline = nowMs() + DEADLINE_MS;
        for (int round = 0; nowMs() < deadline; round++) {
            Ring r = currentRing();
            List<String> replicas = r == null ? List.of() : localFirst(r.replicasOf(key));
            for (String target : replicas) {
                long left = deadline - nowMs();
                if (left <= 0) {
                    break;
                }
                Message answer = requestOrNull("kvnode/".concat(target), request.apply(r.epoch), Math.min(left, ATTEMPT.toMillis()));
                if (answer != null) {
                    Wire.In in = new Wire.In(answer.payload());
                    String verb = in.word();
                    if (in.num() > r.epoch) {
                        stale = true; // the KVNodes know a newer ring: fetch it before the next request
                    }
                    if (!verb.equals("err")) {
                        return answer;
                    }
                }
            }
            stale = true; // a member is gone or the ring moved on: ask the Coordinator again
            pause(Math.min(100L << Math.min(round, 4), 1000L));
        }
        return null;
    }

    /** The replicas with the one on this Atoll node (at most one: one per node) moved to the front. */
    private static List<String> localFirst(List<String> replicas) {
        if (node == null) {
            String me = Atoll.self();
            node = Ring.nodeOf(me.substring(me.lastIndexOf('/') + 1));
        }
        for (int i = 1; i < replicas.size(); i++) {
            if (Ring.nodeOf(replicas.get(i)).equals(node)) {
                List<String> out = new ArrayList<>(replicas);
                out.add(0, out.remove(i));
                return out;
            }
        }
        return replicas;
    }

    /**
     * The ring to route with: the one kept, else the newer one this node's KVNodes left in storage
     * (no message: an instance's first request costs no round trip to the Coordinator), else the
     * Coordinator's.
     */
    private static Ring currentRing() {
        if (stale || ring == null) {
            String text = Atoll.kv().getString(Ring.STORAGE_KEY);
            Ring stored = text == null ? null : Ring.decode(text);
            if (stored != null && !stored.isEmpty() && (ring == null || stored.epoch > ring.epoch)) {
                ring = stored;
                stale = false;
                return ring;
            }
            Message m = requestOrNull("coordinator", Wire.ascii("topology"), 1000);
            Ring r = m == null ? null : Ring.decode(m.text());
            if (r != null && (ring == null || r.epoch >= ring.epoch)) {
                ring = r;
                stale = false;
            }
        }
        return ring;
    }

    private static Message requestOrNull(String to, byte[] data, long timeoutMs) {
        try {
            return Atoll.request(to, data, Duration.ofMillis(timeoutMs));
        } catch (AtollException e) { // not found, unreachable, full: like no answer
            return null;
        }
    }

    /**
     * Waits a little before retrying (an atom has no sleep: a receive with a timeout). What
     * arrives meanwhile is a late answer (dropped) or, because the runtime hands an instance that
     * waits in {@code receive} the next HTTP request too, a request: answered 503 rather than
     * kept waiting behind our retries.
     */
    private static void pause(long ms) {
        Message m = Atoll.receive(ms);
        if (m != null && m.isHttp()) {
            m.reply(HttpResponse.text(503, "busy; retry\n"));
        }
    }

    /**
     * Versions order the writes of a key (last writer wins): the wall clock in milliseconds,
     * shifted, plus 12 random bits so that two frontends writing in the same millisecond differ.
     */
    private static long newVersion() {
        long v = (Atoll.currentTimeMillis() << 12) | (Atoll.randomLong() & 0xFFF);
        lastVersion = Math.max(v, lastVersion + 1);
        return lastVersion;
    }

    private static long nowMs() {
        return Atoll.monotonicNanos() / 1_000_000L;
    }
}
