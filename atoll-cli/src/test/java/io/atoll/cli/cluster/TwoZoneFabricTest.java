package io.atoll.cli.cluster;

import static io.atoll.cli.cluster.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamStatusException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.ObjectStoreOptions;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-zone NATS set-up Atoll's cluster relies on, checked on the real servers (nats-server
 * 2.9.10) with real jnats (2.26.2) clients and no Atoll node: JetStream only on the "cloud" hub,
 * the "edge" server a leaf node without JetStream (configs: {@code src/test/resources/cluster/};
 * written up in docs/zones.md).
 *
 * <p>What it pins down: plain JetStream traffic never crosses a leaf link, so the hub needs a
 * JetStream domain, and either the edge server maps its clients' plain calls into it
 * ({@code default_js_domain}) or the clients name it; then edge clients use the hub's key-value
 * buckets and object store. While the link is cut, their JetStream calls and cross-zone requests
 * fail fast with "no responders", cross-zone publishes are silently dropped and each zone keeps
 * working inside; after the link is restored everything works again within about a second, except
 * a key-value watch whose consumer the hub deleted during a cut longer than 5 s: it catches up
 * only at its heartbeat alarm, 15 to 30 s after the cut began.
 */
class TwoZoneFabricTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    /** A client as Atoll's fabric opens one (see NatsConnect), recording jnats's asynchronous reports. */
    private static final class Client implements AutoCloseable {
        final Connection nc;
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger heartbeatAlarms = new AtomicInteger();

        Client(String url, String name) throws Exception {
            nc = Nats.connect(Options.builder().server(url).connectionName(name)
                    .connectionTimeout(Duration.ofSeconds(2)).maxReconnects(-1).reconnectWait(Duration.ofMillis(250))
                    .reportNoResponders()
                    .errorListener(new ErrorListener() {
                        @Override
                        public void errorOccurred(Connection conn, String error) {
                            events.add("error " + error);
                        }

                        @Override
                        public void exceptionOccurred(Connection conn, Exception exp) {
                            events.add("exception " + exp);
                        }

                        @Override
                        public void heartbeatAlarm(Connection conn, JetStreamSubscription sub, long lastStreamSequence,
                                long lastConsumerSequence) {
                            heartbeatAlarms.incrementAndGet();
                            events.add("heartbeatAlarm at stream seq " + lastStreamSequence);
                        }
                    })
                    .connectionListener((conn, event) -> events.add("connection " + event))
                    .build());
        }

        KeyValue kv(String bucket) throws Exception {
            return nc.keyValue(bucket, KeyValueOptions.builder().jsRequestTimeout(Duration.ofSeconds(2)).build());
        }

        KeyValue kv(String bucket, String domain) throws Exception {
            return nc.keyValue(bucket, KeyValueOptions.builder().jsDomain(domain)
                    .jsRequestTimeout(Duration.ofSeconds(2)).build());
        }

        void createBucket(String bucket) throws Exception {
            nc.keyValueManagement().create(KeyValueConfiguration.builder().name(bucket).storageType(StorageType.File)
                    .build());
        }

        ObjectStore objects(String bucket) throws Exception {
            return nc.objectStore(bucket, ObjectStoreOptions.builder().jsRequestTimeout(Duration.ofSeconds(2)).build());
        }

        /** A request and its reply's text; throws on no responders or timeout. */
        String request(String subject, String body, Duration timeout) throws Exception {
            Message m = nc.requestWithTimeout(subject, body.getBytes(StandardCharsets.UTF_8), timeout)
                    .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            return new String(m.getData(), StandardCharsets.UTF_8);
        }

        /** Answers requests on {@code subject} with "<name>:<body>". */
        void respond(String subject, String name) {
            nc.createDispatcher(m -> nc.publish(m.getReplyTo(), (name + ":" + new String(m.getData(),
                    StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8))).subscribe(subject);
        }

        /** Records the text of every message on {@code subject}. */
        List<String> collect(String subject) {
            List<String> seen = new CopyOnWriteArrayList<>();
            nc.createDispatcher(m -> seen.add(new String(m.getData(), StandardCharsets.UTF_8))).subscribe(subject);
            return seen;
        }

        void publish(String subject, String body) {
            nc.publish(subject, body.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void close() throws InterruptedException {
            nc.close();
        }
    }

    /** Records every key a watch delivers, with the time it arrived. */
    private static final class Recorder implements KeyValueWatcher {
        final Map<String, String> values = new ConcurrentHashMap<>();
        final Map<String, Long> arrivedNanos = new ConcurrentHashMap<>();

        @Override
        public void watch(KeyValueEntry e) {
            values.put(e.getKey(), e.getValueAsString() == null ? "" : e.getValueAsString());
            arrivedNanos.putIfAbsent(e.getKey(), System.nanoTime());
        }

        @Override
        public void endOfData() {
        }
    }

    private static String text(KeyValueEntry e) {
        return e == null ? null : e.getValueAsString();
    }

    @Test
    void edgeClientsUseTheHubsKeyValueAndObjectStoreThroughTheLeafLink() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir);
                Client edge = new Client(h.edge().url(), "edge-client");
                Client hub = new Client(h.hub().url(), "hub-client")) {
            assertThat(edge.nc.getServerInfo().isJetStreamAvailable()).as("the edge server has no JetStream").isFalse();
            assertThat(hub.nc.getServerInfo().isJetStreamAvailable()).isTrue();

            // Buckets created from the edge live on the hub (the only JetStream).
            edge.createBucket("zones");
            assertThat(hub.nc.keyValueManagement().getBucketNames()).contains("zones");
            KeyValue edgeKv = edge.kv("zones");
            KeyValue hubKv = hub.kv("zones");
            assertThat(edge.kv("zones", ClusterHarness.HUB_DOMAIN).getBucketName()).isEqualTo("zones");

            Recorder watch = new Recorder();
            try (NatsKeyValueWatchSubscription w = edgeKv.watchAll(watch)) {
                long r1 = edgeKv.put("from-edge", "e1");
                assertThat(text(hubKv.get("from-edge"))).isEqualTo("e1");
                hubKv.put("from-hub", "h1");
                assertThat(text(edgeKv.get("from-hub"))).isEqualTo("h1");
                // create-if-absent and compare-and-set, as the directory uses them
                edgeKv.create("claimed", "x".getBytes(StandardCharsets.UTF_8));
                assertThatThrownBy(() -> edgeKv.create("claimed", "y".getBytes(StandardCharsets.UTF_8)))
                        .isInstanceOf(JetStreamApiException.class);
                edgeKv.update("from-edge", "e2".getBytes(StandardCharsets.UTF_8), r1);
                assertThatThrownBy(() -> edgeKv.update("from-edge", "e3".getBytes(StandardCharsets.UTF_8), r1))
                        .isInstanceOf(JetStreamApiException.class);
                eventually("the edge's watch sees the hub's and its own writes", Duration.ofSeconds(5),
                        () -> watch.values, v -> "h1".equals(v.get("from-hub")) && "e2".equals(v.get("from-edge"))
                                && "x".equals(v.get("claimed")));
            }

            // Object store: 2 MiB (several chunks) written on the edge, read on both sides.
            edge.nc.objectStoreManagement().create(ObjectStoreConfiguration.builder("blobs")
                    .storageType(StorageType.File).build());
            byte[] blob = new byte[2 * 1024 * 1024];
            new Random(7).nextBytes(blob);
            edge.objects("blobs").put("module.wasm", blob);
            ByteArrayOutputStream fromHub = new ByteArrayOutputStream();
            hub.objects("blobs").get("module.wasm", fromHub);
            assertThat(fromHub.toByteArray()).isEqualTo(blob);
            ByteArrayOutputStream fromEdge = new ByteArrayOutputStream();
            edge.objects("blobs").get("module.wasm", fromEdge);
            assertThat(fromEdge.toByteArray()).isEqualTo(blob);

            // Core request/reply crosses in both directions.
            hub.respond("svc.hub", "hub");
            edge.respond("svc.edge", "edge");
            hub.nc.flush(Duration.ofSeconds(2));
            edge.nc.flush(Duration.ofSeconds(2));
            eventually("edge → hub request", Duration.ofSeconds(3), () -> edge.request("svc.hub", "q", Duration.ofMillis(500)),
                    "hub:q"::equals);
            eventually("hub → edge request", Duration.ofSeconds(3), () -> hub.request("svc.edge", "q", Duration.ofMillis(500)),
                    "edge:q"::equals);
        }
    }

    @Test
    void withoutADomainTheLeafLinkCarriesNoJetStreamAndWithOnlyAHubDomainClientsMustNameIt() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir.resolve("none"), ClusterHarness.JetStreamAccess.NO_DOMAIN);
                Client edge = new Client(h.edge().url(), "edge-client");
                Client hub = new Client(h.hub().url(), "hub-client")) {
            hub.createBucket("plain");
            hub.kv("plain").put("k", "v");
            // The link is up (core traffic crosses, see the other tests) but nats-server 2.9 denies
            // $JS.API.>, $KV.> and $OBJ.> on it for ordinary accounts: no responders, at once.
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> edge.kv("plain")).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("Timeout or no response");
            assertThatThrownBy(() -> edge.createBucket("other")).isInstanceOf(java.io.IOException.class);
            assertThat(ms(System.nanoTime() - t0)).isLessThan(1_000);
            assertThat(h.edge().logTail(40)).contains("JetStream Not Extended, adding deny [$JS.API.> $KV.> $OBJ.>]");
            assertThat(h.hub().logTail(40)).contains("Adding deny [$JS.API.> $KV.> $OBJ.>] for account \"$G\"");
        }
        try (ClusterHarness h = ClusterHarness.twoZone(dir.resolve("hub-domain"),
                ClusterHarness.JetStreamAccess.HUB_DOMAIN_ONLY);
                Client edge = new Client(h.edge().url(), "edge-client");
                Client hub = new Client(h.hub().url(), "hub-client")) {
            hub.createBucket("dom");
            hub.kv("dom").put("k", "from-hub");
            assertThatThrownBy(() -> edge.kv("dom")).isInstanceOf(java.io.IOException.class);
            KeyValue byDomain = edge.kv("dom", ClusterHarness.HUB_DOMAIN);
            assertThat(text(byDomain.get("k"))).isEqualTo("from-hub");
            byDomain.put("k2", "from-edge");
            assertThat(text(hub.kv("dom").get("k2"))).isEqualTo("from-edge");
            // hub clients may name their own domain too
            assertThat(text(hub.kv("dom", ClusterHarness.HUB_DOMAIN).get("k2"))).isEqualTo("from-edge");
        }
    }

    @Test
    void whileTheLinkIsCutEachZoneKeepsItselfAndTheEdgeLosesTheHubUntilItIsRestored() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir);
                Client edge = new Client(h.edge().url(), "edge-client");
                Client edge2 = new Client(h.edge().url(), "edge-client-2");
                Client hub = new Client(h.hub().url(), "hub-client")) {
            hub.createBucket("dir");
            KeyValue edgeKv = edge.kv("dir");
            KeyValue hubKv = hub.kv("dir");
            edgeKv.put("before", "b");
            hub.respond("svc.hub", "hub");
            edge.respond("svc.edge", "edge");
            List<String> atHub = hub.collect("to.hub");
            List<String> atEdge = edge2.collect("to.edge");
            hub.nc.flush(Duration.ofSeconds(2));
            edge2.nc.flush(Duration.ofSeconds(2));
            Recorder watch = new Recorder();
            NatsKeyValueWatchSubscription w = edgeKv.watchAll(watch);
            eventually("requests cross before the cut", Duration.ofSeconds(3),
                    () -> edge.request("svc.hub", "q", Duration.ofMillis(500)).equals("hub:q")
                            && hub.request("svc.edge", "q", Duration.ofMillis(500)).equals("edge:q"));
            eventually("the watch has the initial key", Duration.ofSeconds(3), () -> watch.values.containsKey("before"));

            long cutAt = System.nanoTime();
            h.cutLink();
            report("servers see the link down after", cutAt);

            // The edge client's own connection is unaffected: it cannot tell the link is gone.
            assertThat(edge.nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);

            // Cross-zone requests fail fast with "no responders", both ways.
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> edge.request("svc.hub", "q", Duration.ofSeconds(2)))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(JetStreamStatusException.class)
                    .hasMessageContaining("503");
            assertThatThrownBy(() -> hub.request("svc.edge", "q", Duration.ofSeconds(2)))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(JetStreamStatusException.class);
            assertThat(ms(System.nanoTime() - t0)).as("two failed requests took").isLessThan(1_000);

            // The hub's KV and object store, seen from the edge: fail fast too (no responders).
            t0 = System.nanoTime();
            assertThatThrownBy(() -> edgeKv.get("before")).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("Timeout or no response");
            assertThatThrownBy(() -> edgeKv.put("k", "v")).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("503 No Responders");
            assertThatThrownBy(() -> edge.objects("any").getInfo("x")).isInstanceOf(java.io.IOException.class);
            assertThat(ms(System.nanoTime() - t0)).as("three failed JetStream calls took").isLessThan(1_000);

            // Cross-zone publishes are accepted by the edge server and dropped: no error anywhere.
            edge.publish("to.hub", "lost-during-cut");
            edge.nc.flush(Duration.ofSeconds(2));

            // Each zone keeps working inside itself.
            edge.publish("to.edge", "local");
            eventually("edge-local pub/sub during the cut", Duration.ofSeconds(2), () -> atEdge.contains("local"));
            hubKv.put("written-during-cut", "w");
            assertThat(text(hubKv.get("written-during-cut"))).isEqualTo("w");
            // The watch's consumer (ephemeral, on the hub) outlives a short loss of interest.
            assertThat(hub.nc.jetStreamManagement().getConsumerNames("KV_dir")).hasSize(1);

            NatsProcess.sleep(Math.max(0, 2_000 - ms(System.nanoTime() - cutAt))); // a 2 s cut
            long restoredAt = System.nanoTime();
            h.restoreLink();
            h.awaitLink(true, RECOVERY);
            report("servers see the link up again after", restoredAt);
            eventually("edge → hub request after restore", RECOVERY,
                    () -> edge.request("svc.hub", "q", Duration.ofMillis(500)), "hub:q"::equals);
            report("edge → hub request works again after", restoredAt);
            eventually("hub → edge request after restore", RECOVERY,
                    () -> hub.request("svc.edge", "q", Duration.ofMillis(500)), "edge:q"::equals);
            eventually("edge KV get after restore", RECOVERY, () -> text(edgeKv.get("written-during-cut")), "w"::equals);
            report("edge KV get works again after", restoredAt);
            AtomicInteger probe = new AtomicInteger();
            eventually("an edge publish reaches the hub after restore", RECOVERY, () -> {
                edge.publish("to.hub", "probe-" + probe.incrementAndGet());
                edge.nc.flush(Duration.ofSeconds(1));
                return atHub.stream().anyMatch(m -> m.startsWith("probe-"));
            });
            report("edge publishes reach the hub again after", restoredAt);
            // After a short cut the watch resumes by itself, with what changed during the cut.
            eventually("the edge's watch sees the key written on the hub during the cut", RECOVERY,
                    () -> watch.values.containsKey("written-during-cut"));
            report("the watch delivers the cut-time write after", restoredAt);
            assertThat(edge.heartbeatAlarms).hasValue(0);
            assertThat(atHub).as("what was published across during the cut is gone for good")
                    .doesNotContain("lost-during-cut");
            w.unsubscribe();
        }
    }

    @Test
    void afterALongCutAKeyValueWatchCatchesUpOnlyAtItsHeartbeatAlarm() throws Exception {
        try (ClusterHarness h = ClusterHarness.twoZone(dir);
                Client edge = new Client(h.edge().url(), "edge-client");
                Client hub = new Client(h.hub().url(), "hub-client")) {
            hub.createBucket("long");
            KeyValue edgeKv = edge.kv("long");
            KeyValue hubKv = hub.kv("long");
            Recorder watch = new Recorder();
            NatsKeyValueWatchSubscription w = edgeKv.watchAll(watch);
            hubKv.put("before", "b");
            // The watch has just received a message: its heartbeat alarm (3 × 5 s idle heartbeat)
            // cannot fire before 15 s from now.
            eventually("the watch has the initial key", Duration.ofSeconds(3), () -> watch.values.containsKey("before"));
            long cutAt = System.nanoTime();
            h.cutLink();
            hubKv.put("during", "d");
            // Ephemeral consumers are deleted 5 s after their delivery subject loses interest.
            eventually("the watch's consumer is deleted on the hub", Duration.ofSeconds(8),
                    () -> hub.nc.jetStreamManagement().getConsumerNames("KV_long").isEmpty());
            report("the watch's consumer was deleted after", cutAt);
            NatsProcess.sleep(500);
            long restoredAt = System.nanoTime();
            h.restoreLink();
            eventually("edge KV get after restore", RECOVERY, () -> text(edgeKv.get("during")), "d"::equals);
            assertThat(watch.values).as("the watch is still stuck when a plain get already works")
                    .doesNotContainKey("during");
            assertThat(ms(System.nanoTime() - cutAt)).as("still before the earliest alarm").isLessThan(14_000);
            eventually("the watch catches up by itself", Duration.ofSeconds(35), () -> watch.values.containsKey("during"));
            report("the watch delivers the cut-time write after", restoredAt);
            assertThat(edge.heartbeatAlarms.get()).isGreaterThanOrEqualTo(1);
            hubKv.put("after", "a");
            eventually("then it follows changes as usual", Duration.ofSeconds(2), () -> watch.values.containsKey("after"));
            w.unsubscribe();
        }
    }

    /** How long recovery may take after restoreLink(): the leaf reconnects every 1 s, then interest is exchanged. */
    private static final Duration RECOVERY = Duration.ofSeconds(3);

    private static void report(String what, long sinceNanos) {
        System.out.println("TwoZoneFabricTest: " + what + " " + ms(System.nanoTime() - sinceNanos) + " ms");
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
