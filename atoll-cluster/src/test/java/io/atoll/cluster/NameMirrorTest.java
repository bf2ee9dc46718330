package io.atoll.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.fabric.ClusterDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The mirror's queue keeps the latest wanted state per name, in order, against an in-memory directory. */
class NameMirrorTest {

    /** A directory in memory that counts writes and can hold the writer back. */
    static final class CountingDirectory implements ClusterDirectory {
        final Map<String, String> owners = new ConcurrentHashMap<>();
        final Map<String, TreeSet<String>> aliases = new ConcurrentHashMap<>();
        final AtomicInteger writes = new AtomicInteger();
        final CountDownLatch open = new CountDownLatch(1);

        private void gate() {
            try {
                open.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writes.incrementAndGet();
        }

        @Override public void register(String name, String node, Map<String, String> metadata) {
            gate();
            owners.put(name, node);
            aliases.putIfAbsent(name, new TreeSet<>());
        }
        @Override public void unregister(String name) {
            gate();
            owners.remove(name);
            aliases.remove(name);
        }
        @Override public boolean release(String name, String node) {
            gate();
            aliases.remove(name);
            return owners.remove(name, node);
        }
        @Override public void addAlias(String name, String alias) {
            gate();
            aliases.get(name).add(alias);
        }
        @Override public boolean removeAlias(String name, String alias) {
            gate();
            return aliases.get(name).remove(alias);
        }
        @Override public boolean takeOver(String name, String fromNode, String toNode, Map<String, String> metadata) {
            return owners.replace(name, fromNode, toNode);
        }
        @Override public Optional<String> ownerInStore(String name) {
            return nodeOf(name);
        }
        @Override public Optional<String> nodeOf(String name) {
            return Optional.ofNullable(owners.get(name));
        }
        @Override public Optional<Map<String, String>> metadataOf(String name) {
            return Optional.empty();
        }
        @Override public List<String> aliasesOf(String name) {
            return new ArrayList<>(aliases.getOrDefault(name, new TreeSet<>()));
        }
        @Override public List<String> lookup(String app, int mode, String query) {
            return List.of();
        }
        @Override public List<String> aliasMembers(String app, String alias) {
            return List.of();
        }
        @Override public List<String> unregisterNode(String node) {
            return List.of();
        }
        @Override public void resync() {
        }
        @Override public void close() {
        }
    }

    @Test
    void aBurstOfShortLivedNamesCostsAlmostNoWrites() {
        CountingDirectory dir = new CountingDirectory();
        NameMirror mirror = new NameMirror(dir, "a", name -> false);
        mirror.announced("app/first/0", List.of()); // the writer takes this one and waits at the gate
        for (int i = 0; i < 5000; i++) {
            mirror.announced("app/fn/a-r" + i, List.of("fns"));
            mirror.withdrawn("app/fn/a-r" + i);
        }
        mirror.announced("app/kept/0", List.of("x", "y"));
        mirror.aliasRemoved("app/kept/0", "x");
        dir.open.countDown();
        mirror.close(); // writes what is queued

        assertThat(dir.owners).containsOnlyKeys("app/first/0", "app/kept/0");
        assertThat(dir.aliasesOf("app/kept/0")).containsExactly("y");
        assertThat(dir.writes.get()).as("one register per surviving name, one alias").isLessThanOrEqualTo(3);
    }

    @Test
    void aNameTakenByAnotherNodeIsNotReleasedByUs() {
        CountingDirectory dir = new CountingDirectory();
        dir.open.countDown();
        dir.owners.put("app/d/0", "b");
        NameMirror mirror = new NameMirror(dir, "a", name -> false);
        mirror.withdrawn("app/d/0");
        mirror.close();
        assertThat(dir.owners).containsEntry("app/d/0", "b");
    }

    @Test
    void aFailedDaemonStaysListedAsOurs() {
        CountingDirectory dir = new CountingDirectory();
        dir.open.countDown();
        NameMirror mirror = new NameMirror(dir, "a", name -> name.equals("app/d/1"));
        mirror.announced("app/d/1", List.of());
        mirror.withdrawn("app/d/1");
        mirror.close();
        assertThat(dir.owners).containsEntry("app/d/1", "a");
    }
}
