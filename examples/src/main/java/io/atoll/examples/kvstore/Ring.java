package io.atoll.examples.kvstore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ring of the key-value store: consistent hashing of the KVNode instances. Each member (an
 * instance id such as {@code a-3}, where {@code a} is the Atoll node it runs on) owns
 * {@link #VNODES} points on a 64-bit circle; a key belongs to the first points at or after its
 * hash, clockwise. Immutable, and computed the same way by every atom from the same
 * {@code (epoch, replicas, members)}: the Coordinator distributes only those, never the points.
 *
 * <p>Plain Java (no SDK calls), so the JVM unit tests exercise exactly what runs in the atoms
 * (public for the tests of the built modules, which compute where keys must be).
 */
public final class Ring {
    /**
     * Points per member. More points spread the keys more evenly (and move them from more
     * neighbours when a member joins); 32 keeps the largest share of 24 members under twice the
     * average.
     */
    static final int VNODES = 32;
    /**
     * The storage key under which a node's KVNodes keep the newest ring they got (storage is per
     * node and shared by the application's atoms): a new Frontend reads it there instead of asking
     * the Coordinator.
     */
    public static final String STORAGE_KEY = "ring";

    public final long epoch;
    public final int replicas;
    /** Member instance ids, sorted. */
    public final List<String> members;
    private final long[] points;
    private final String[] owners;
    /** {@link #nodeOf} of each owner, computed once: replicasOf must not allocate per point. */
    private final String[] ownerNodes;

    public Ring(long epoch, int replicas, List<String> members) {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be at least 1, got " + replicas);
        }
        this.epoch = epoch;
        this.replicas = replicas;
        List<String> sorted = new ArrayList<>(members);
        sorted.sort(null);
        this.members = List.copyOf(sorted);
        Point[] all = new Point[sorted.size() * VNODES];
        int i = 0;
        for (String m : sorted) {
            for (int v = 0; v < VNODES; v++) {
                all[i++] = new Point(hash(m + "#" + v), m);
            }
        }
        // Ties (two equal 64-bit hashes) are practically impossible; break them by name anyway so
        // every atom builds the very same circle.
        Arrays.sort(all, (x, y) -> x.position != y.position ? Long.compare(x.position, y.position)
                : x.owner.compareTo(y.owner));
        points = new long[all.length];
        owners = new String[all.length];
        ownerNodes = new String[all.length];
        for (int k = 0; k < all.length; k++) {
            points[k] = all[k].position;
            owners[k] = all[k].owner;
            ownerNodes[k] = nodeOf(all[k].owner);
        }
    }

    private record Point(long position, String owner) {
    }

    /**
     * The members that store {@code key}, in ring order (the first is where requests go first):
     * the first {@link #replicas} distinct members clockwise from the key's hash, taking at most
     * one member per Atoll node, so that losing a node loses at most one copy. When there are
     * fewer nodes than replicas, members on nodes already used fill the remaining places.
     *
     * <p>A new list on every call, computed every time: a hash, a binary search and a few steps
     * around the circle, allocating two small arrays. In Wasm that is cheaper than the cache of
     * answers this class had before (bench/README.md, bench/kv-guest).
     */
    public List<String> replicasOf(String key) {
        List<String> out = new ArrayList<>(replicas);
        if (points.length == 0) {
            return out;
        }
        int start = firstAtOrAfter(hash(key));
        String[] usedNodes = new String[replicas];
        for (int i = 0; i < points.length && out.size() < replicas; i++) {
            int k = (start + i) % points.length;
            String m = owners[k];
            if (!out.contains(m) && !contains(usedNodes, out.size(), ownerNodes[k])) {
                usedNodes[out.size()] = ownerNodes[k];
                out.add(m);
            }
        }
        for (int i = 0; i < points.length && out.size() < replicas && out.size() < members.size(); i++) {
            String m = owners[(start + i) % points.length];
            if (!out.contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    private static boolean contains(String[] a, int n, String s) {
        for (int i = 0; i < n; i++) {
            if (a[i].equals(s)) {
                return true;
            }
        }
        return false;
    }

    private int firstAtOrAfter(long h) {
        int i = Arrays.binarySearch(points, h);
        if (i < 0) {
            i = -i - 1; // the insertion point: the first point above h
        }
        return i == points.length ? 0 : i;
    }

    /**
     * The Atoll node of a member: per-node daemons are named {@code <node>-<k>}. A name without a
     * dash (a lone node names its instances {@code 0}, {@code 1}, ...) is its own node.
     */
    public static String nodeOf(String member) {
        int dash = member.lastIndexOf('-');
        return dash < 0 ? member : member.substring(0, dash);
    }

    /**
     * FNV-1a over the UTF-16 code units, then MurmurHash3's finalizer to spread similar names
     * ({@code a-1#0}, {@code a-1#1}) over the whole circle. Hand-written so the JVM and TeaVM agree.
     */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xFF)) * 0x100000001b3L;
            h = (h ^ (c >>> 8)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    /** {@code topo <epoch> <replicas> <member>...}: what the Coordinator sends and atoms keep. */
    public String encode() {
        StringBuilder sb = new StringBuilder("topo ").append(epoch).append(' ').append(replicas);
        for (String m : members) {
            sb.append(' ').append(m);
        }
        return sb.toString();
    }

    /** The inverse of {@link #encode}; null if {@code text} is not a ring. */
    public static Ring decode(String text) {
        String[] f = Wire.split(text.trim(), ' ', 0);
        if (f.length < 3 || !f[0].equals("topo")) {
            return null;
        }
        try {
            return new Ring(Long.parseLong(f[1]), Integer.parseInt(f[2]), Arrays.asList(f).subList(3, f.length));
        } catch (IllegalArgumentException e) { // NumberFormatException too
            return null;
        }
    }

    @Override
    public String toString() {
        return "epoch " + epoch + ", " + replicas + " replicas, " + members.size() + " members " + members;
    }
}
