package io.atoll.fabric;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atoll.abi.AtollException;
import io.atoll.abi.NameLookup;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.nats.client.support.NatsJetStreamConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterDirectory} on one JetStream key-value bucket ({@value #BUCKET}, history 1, file
 * storage), watched by every node.
 *
 * <p>Encoding: one key per name, {@code n.<name>}, whose value is JSON
 * {@code {"node":..,"metadata":{..},"aliases":[..]}}. Aliases live inside the name's value rather
 * than under keys of their own because (a) aliases may hold any character, which KV keys do not
 * allow, so they would need encoding, and (b) one key per name makes unregister one atomic delete
 * that can never leave orphan alias keys behind, and every alias change a compare-and-set on that
 * one key. The name is written into the key with characters outside {@code [a-zA-Z0-9/-]} (and
 * {@code _} itself) escaped as {@code _XX} (hex of each UTF-8 byte); Atoll names
 * ({@code app/def/instance}, lower case, digits, '-') need no escape, so keys stay readable with
 * {@code nats kv ls atoll-directory}.
 *
 * <p>Cache: a {@code watchAll} fills a {@link ConcurrentSkipListMap} (exact look-ups, and ordered
 * for prefix and per-application scans) and a per-application alias index. Writes done here are
 * applied to the cache at once with the revision the store acknowledged; every change carries its
 * revision, and an older revision never overwrites a newer one, so the watch delivering our own
 * write later (or out of order with it) is harmless.
 */
public final class NatsDirectory implements ClusterDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(NatsDirectory.class);

    public static final String BUCKET = "atoll-directory";
    private static final String NAME_PREFIX = "n.";
    private static final int CAS_ATTEMPTS = 16;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The JSON value of a name's key. */
    record Value(String node, Map<String, String> metadata, List<String> aliases) {
        Value {
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
            aliases = aliases == null ? List.of() : List.copyOf(new TreeSet<>(aliases));
        }
    }

    /** A live cache entry. */
    private record Entry(Value value, long revision) {
    }

    private final Connection nc;
    private final boolean ownsConnection;
    private final KeyValue kv;
    private volatile NatsKeyValueWatchSubscription watch;

    // All three change only under `lock` (watch thread and writers); readers need no lock.
    private final Object lock = new Object();
    private final ConcurrentSkipListMap<String, Entry> names = new ConcurrentSkipListMap<>();
    /** Last revision applied per name, deletes included, so stale changes are ignored. */
    private final Map<String, Long> revisions = new HashMap<>();
    /** app -> alias -> names. */
    private final Map<String, Map<String, Set<String>>> aliases = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Connects to the fabric at {@code url}; the connection is closed by {@link #close}. */
    public NatsDirectory(String url, String clientName) {
        this(NatsConnect.open(url, clientName), true, BUCKET);
    }

    /** Uses a connection shared with other fabric components; {@link #close} leaves it open. */
    public NatsDirectory(Connection nc) {
        this(nc, false, BUCKET);
    }

    NatsDirectory(Connection nc, boolean ownsConnection, String bucket) {
        this.nc = nc;
        this.ownsConnection = ownsConnection;
        try {
            this.kv = Buckets.keyValue(nc, bucket);
            this.watch = Buckets.watchAll(kv, this::onChange, "the directory");
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            closeConnection();
            throw e instanceof AtollException ae ? ae : storeError("open the directory", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeConnection();
            throw storeError("open the directory", e);
        }
    }

    @Override
    public void resync() {
        if (!closed) {
            watch = Buckets.rewatch(kv, watch, this::onChange, "the directory");
        }
    }

    // --- writes ---

    @Override
    public void register(String name, String node, Map<String, String> metadata) {
        checkName(name);
        if (node == null || node.isBlank()) {
            throw new IllegalArgumentException("a node name must not be blank");
        }
        String key = key(name);
        try {
            for (int i = 0; i < CAS_ATTEMPTS; i++) {
                checkOpen();
                KeyValueEntry current = kv.get(key);
                if (current == null) {
                    Value v = new Value(node, metadata, List.of());
                    try {
                        apply(name, v, kv.create(key, toJson(v)));
                        return;
                    } catch (JetStreamApiException e) {
                        if (!isConflict(e)) {
                            throw e;
                        }
                        continue; // someone registered it meanwhile: look again
                    }
                }
                Value old = fromJson(current.getValue());
                if (!node.equals(old.node())) {
                    throw new AtollException("name " + name + " is already registered by node " + old.node(),
                            "unregister it there first, or pick another instance name");
                }
                Value v = new Value(node, metadata, old.aliases());
                if (casUpdate(name, key, v, current.getRevision())) {
                    return;
                }
            }
            throw busy(name);
        } catch (IOException | JetStreamApiException e) {
            throw storeError("register " + name, e);
        }
    }

    @Override
    public void unregister(String name) {
        checkName(name);
        checkOpen();
        Entry seen = names.get(name);
        try {
            kv.delete(key(name));
            // The delete marker's revision is not returned: drop what we had seen before deleting (a
            // newer registration that raced in stays); the watch delivers the marker itself later.
            if (seen != null) {
                synchronized (lock) {
                    applyDelete(name, seen.revision());
                }
            }
        } catch (IOException | JetStreamApiException e) {
            throw storeError("unregister " + name, e);
        }
    }

    @Override
    public void addAlias(String name, String alias) {
        checkAlias(alias);
        changeAliases(name, alias, true);
    }

    @Override
    public boolean removeAlias(String name, String alias) {
        checkAlias(alias);
        return changeAliases(name, alias, false);
    }

    private boolean changeAliases(String name, String alias, boolean add) {
        checkName(name);
        String key = key(name);
        try {
            for (int i = 0; i < CAS_ATTEMPTS; i++) {
                checkOpen();
                KeyValueEntry current = kv.get(key);
                if (current == null) {
                    if (add) {
                        throw new AtollException("cannot alias " + name + ": no such name in the directory",
                                "register the name first");
                    }
                    return false;
                }
                Value old = fromJson(current.getValue());
                if (old.aliases().contains(alias) == add) {
                    return false; // already as asked
                }
                List<String> next = new ArrayList<>(old.aliases());
                if (add) {
                    next.add(alias);
                } else {
                    next.remove(alias);
                }
                if (casUpdate(name, key, new Value(old.node(), old.metadata(), next), current.getRevision())) {
                    return true;
                }
            }
            throw busy(name);
        } catch (IOException | JetStreamApiException e) {
            throw storeError((add ? "add" : "remove") + " alias " + alias + " of " + name, e);
        }
    }

    @Override
    public List<String> unregisterNode(String node) {
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<String, Entry> e : names.entrySet()) {
            if (node.equals(e.getValue().value().node()) && dropIfOwnedBy(e.getKey(), node)) {
                dropped.add(e.getKey());
            }
        }
        return dropped; // names is sorted, so dropped is too
    }

    @Override
    public boolean release(String name, String node) {
        checkName(name);
        return dropIfOwnedBy(name, node);
    }

    @Override
    public boolean takeOver(String name, String fromNode, String toNode, Map<String, String> metadata) {
        checkName(name);
        String key = key(name);
        try {
            // First against the revision the watch last showed: one round trip instead of a read and
            // a write (a migration's commit is inside its pause). If the store moved on, read it.
            Entry cached = names.get(name);
            if (cached != null && fromNode.equals(cached.value().node()) && casUpdate(name, key,
                    new Value(toNode, metadata, cached.value().aliases()), cached.revision())) {
                return true;
            }
            for (int i = 0; i < CAS_ATTEMPTS; i++) {
                checkOpen();
                KeyValueEntry current = kv.get(key);
                if (current == null) {
                    return false;
                }
                Value old = fromJson(current.getValue());
                if (!fromNode.equals(old.node())) {
                    return false;
                }
                if (casUpdate(name, key, new Value(toNode, metadata, old.aliases()), current.getRevision())) {
                    return true;
                }
            }
            throw busy(name);
        } catch (IOException | JetStreamApiException e) {
            throw storeError("move " + name + " from node " + fromNode + " to " + toNode, e);
        }
    }

    /** Deletes a name only while {@code node} still owns it in the store (CAS on its revision). */
    private boolean dropIfOwnedBy(String name, String node) {
        String key = key(name);
        try {
            for (int i = 0; i < CAS_ATTEMPTS; i++) {
                checkOpen();
                KeyValueEntry current = kv.get(key);
                if (current == null || !node.equals(fromJson(current.getValue()).node())) {
                    return false;
                }
                try {
                    kv.delete(key, current.getRevision());
                    synchronized (lock) {
                        applyDelete(name, current.getRevision());
                    }
                    return true;
                } catch (JetStreamApiException e) {
                    if (!isConflict(e)) {
                        throw e;
                    }
                }
            }
            throw busy(name);
        } catch (IOException | JetStreamApiException e) {
            throw storeError("unregister " + name + " of node " + node, e);
        }
    }

    /** @return false if the revision moved (someone else wrote): the caller reads again. */
    private boolean casUpdate(String name, String key, Value v, long revision) throws IOException, JetStreamApiException {
        try {
            apply(name, v, kv.update(key, toJson(v), revision));
            return true;
        } catch (JetStreamApiException e) {
            if (isConflict(e)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public Optional<String> ownerInStore(String name) {
        checkName(name);
        checkOpen();
        try {
            KeyValueEntry e = kv.get(key(name));
            return e == null || e.getValue() == null ? Optional.empty() : Optional.of(fromJson(e.getValue()).node());
        } catch (IOException | JetStreamApiException e) {
            throw storeError("read the owner of " + name, e);
        }
    }

    // --- reads (local cache only) ---

    @Override
    public Optional<String> nodeOf(String name) {
        Entry e = names.get(name);
        return e == null ? Optional.empty() : Optional.of(e.value().node());
    }

    @Override
    public Optional<Map<String, String>> metadataOf(String name) {
        Entry e = names.get(name);
        return e == null ? Optional.empty() : Optional.of(e.value().metadata());
    }

    @Override
    public List<String> aliasesOf(String name) {
        Entry e = names.get(name);
        return e == null ? List.of() : e.value().aliases();
    }

    @Override
    public List<String> lookup(String app, int mode, String query) {
        return NameLookup.lookup(names, this::aliasMembers, app, mode, query);
    }

    @Override
    public List<String> aliasMembers(String app, String alias) {
        Set<String> members = aliases.getOrDefault(app, Map.of()).get(alias);
        return members == null ? List.of() : members.stream().sorted().toList();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            watch.unsubscribe();
        } catch (RuntimeException e) {
            LOG.debug("directory watch already gone: {}", e.toString());
        }
        closeConnection();
    }

    // --- the cache ---

    private void onChange(KeyValueEntry e) {
        if (!e.getKey().startsWith(NAME_PREFIX)) {
            return; // room for other kinds of keys later
        }
        String name = decode(e.getKey().substring(NAME_PREFIX.length()));
        if (e.getOperation() != KeyValueOperation.PUT) {
            synchronized (lock) {
                applyDelete(name, e.getRevision());
            }
            return;
        }
        Value v;
        try {
            v = fromJson(e.getValue());
        } catch (IOException ex) {
            LOG.warn("ignoring a malformed directory entry {}: {}", e.getKey(), ex.getMessage());
            return;
        }
        apply(name, v, e.getRevision());
    }

    private void apply(String name, Value v, long revision) {
        synchronized (lock) {
            if (revision <= revisions.getOrDefault(name, 0L)) {
                return; // stale: we already applied this or something newer
            }
            revisions.put(name, revision);
            Entry old = names.put(name, new Entry(v, revision));
            reindex(name, old == null ? List.of() : old.value().aliases(), v.aliases());
        }
    }

    /** Under {@code lock}. A delete at {@code revision} wins over anything not newer. */
    private void applyDelete(String name, long revision) {
        Entry old = names.get(name);
        if (old != null && old.revision() > revision) {
            return; // re-registered after this delete
        }
        revisions.merge(name, revision, Math::max);
        if (old != null) {
            names.remove(name);
            reindex(name, old.value().aliases(), List.of());
        }
    }

    /** Under {@code lock}. */
    private void reindex(String name, List<String> before, List<String> after) {
        String app = app(name);
        for (String a : before) {
            if (!after.contains(a)) {
                Map<String, Set<String>> byAlias = aliases.get(app);
                if (byAlias != null) {
                    Set<String> members = byAlias.get(a);
                    if (members != null) {
                        members.remove(name);
                        if (members.isEmpty()) {
                            byAlias.remove(a);
                        }
                    }
                }
            }
        }
        for (String a : after) {
            aliases.computeIfAbsent(app, x -> new ConcurrentHashMap<>())
                    .computeIfAbsent(a, x -> ConcurrentHashMap.newKeySet())
                    .add(name);
        }
    }

    // --- helpers ---

    static String app(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }

    static String key(String name) {
        StringBuilder sb = new StringBuilder(NAME_PREFIX);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '/') {
                sb.append((char) c);
            } else {
                sb.append('_').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    static String decode(String encoded) {
        byte[] out = new byte[encoded.length()];
        int n = 0;
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '_' && i + 2 < encoded.length()) {
                out[n++] = (byte) Integer.parseInt(encoded.substring(i + 1, i + 3), 16);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a name must not be empty");
        }
    }

    private static void checkAlias(String alias) {
        if (alias == null || alias.isEmpty()) {
            throw new IllegalArgumentException("an alias must not be empty");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new AtollException("the directory is closed");
        }
    }

    private static boolean isConflict(JetStreamApiException e) {
        return e.getApiErrorCode() == NatsJetStreamConstants.JS_WRONG_LAST_SEQUENCE;
    }

    private static AtollException busy(String name) {
        return new AtollException("directory entry " + name + " keeps changing under concurrent writers",
                "retry");
    }

    private static AtollException storeError(String what, Exception e) {
        return new AtollException("cannot " + what + ": " + e.getMessage(),
                "check the fabric: nats-server with JetStream (-js); on an edge leaf server, default_js_domain (docs/zones.md)", e);
    }

    private static byte[] toJson(Value v) throws IOException {
        return JSON.writeValueAsBytes(v);
    }

    private static Value fromJson(byte[] data) throws IOException {
        Value v = JSON.readValue(data, Value.class);
        if (v.node() == null) {
            throw new IOException("directory entry without node");
        }
        return v;
    }

    private void closeConnection() {
        if (!ownsConnection || nc == null) {
            return;
        }
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
