package io.atoll.fabric;

import static io.atoll.fabric.Eventually.checkFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes' catalogs (own connections) against one real nats-server with JetStream. */
@Timeout(30)
class AppCatalogTest {
    static final Duration WAIT = Duration.ofSeconds(3);

    NatsServer server;
    final List<Connection> connections = new ArrayList<>();
    final List<NatsAppCatalog> catalogs = new ArrayList<>();
    NatsAppCatalog c1;
    NatsAppCatalog c2;

    @BeforeEach
    void start() {
        server = NatsServer.start();
        c1 = open("n1");
        c2 = open("n2");
    }

    @AfterEach
    void stop() throws InterruptedException {
        catalogs.forEach(NatsAppCatalog::close);
        for (Connection nc : connections) {
            nc.close();
        }
        server.close();
    }

    NatsAppCatalog open(String node) {
        Connection nc = NatsConnect.open(server.url(), "catalog-" + node);
        connections.add(nc);
        NatsAppCatalog c = new NatsAppCatalog(nc);
        catalogs.add(c);
        return c;
    }

    static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Records listener calls as "+app=record" and "-app". */
    static final class Recorder implements AppCatalog.Listener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void deployed(String app, byte[] record) {
            events.add("+" + app + "=" + text(record));
        }

        @Override
        public void undeployed(String app) {
            events.add("-" + app);
        }
    }

    @Test
    void createIsCreateOnlyAndDeleteIsIdempotent() {
        assertThat(c1.create("shop", json("{\"v\":1}"))).isTrue();
        assertThat(c1.get("shop")).hasValueSatisfying(r -> assertThat(text(r)).isEqualTo("{\"v\":1}")); // read-your-writes

        assertThat(c1.create("shop", json("{\"v\":2}"))).isFalse();
        assertThat(c2.create("shop", json("{\"v\":3}"))).isFalse(); // decided by the store, not a local copy
        assertThat(text(c1.get("shop").orElseThrow())).isEqualTo("{\"v\":1}");

        c1.delete("shop");
        assertThat(c1.get("shop")).isEmpty();
        c1.delete("shop");
        c2.delete("never-there");

        assertThat(c2.create("shop", json("{\"v\":4}"))).isTrue(); // a deleted name can be used again
        assertThat(text(c2.get("shop").orElseThrow())).isEqualTo("{\"v\":4}");
    }

    @Test
    void anotherNodesListenerSeesDeployAndUndeploy() {
        Recorder r = new Recorder();
        c2.listen(r);

        c1.create("blog", json("B"));
        Duration took = checkFor(WAIT, "n2 hears of blog", () -> r.events.contains("+blog=B"));
        assertThat(took).isLessThan(Duration.ofMillis(500));
        assertThat(text(c2.get("blog").orElseThrow())).isEqualTo("B");

        c1.delete("blog");
        checkFor(WAIT, "n2 hears blog went", () -> r.events.contains("-blog"));
        assertThat(r.events).containsExactly("+blog=B", "-blog");
        assertThat(c2.all()).isEmpty();
    }

    @Test
    void aResyncRereadsWithoutTellingListenersTwice() {
        Recorder r = new Recorder();
        c2.listen(r);
        c1.create("one", json("1"));
        c1.create("two", json("2"));
        checkFor(WAIT, "n2 hears of both", () -> r.events.size() == 2);

        c2.resync();
        c2.resync();
        assertThat(r.events).containsExactly("+one=1", "+two=2"); // nothing replayed
        c1.delete("one");
        c2.resync();
        checkFor(WAIT, "n2 hears one went", () -> r.events.contains("-one"));
        assertThat(r.events).containsExactly("+one=1", "+two=2", "-one");
        assertThat(c2.all()).containsOnlyKeys("two");
        c1.create("three", json("3")); // the new watch keeps following
        checkFor(WAIT, "n2 hears of three", () -> r.events.contains("+three=3"));
    }

    @Test
    void aNewListenerFirstGetsTheCurrentApplications() {
        c1.create("b-app", json("2"));
        c1.create("a-app", json("1"));
        c1.create("gone", json("x"));
        c1.delete("gone");
        NatsAppCatalog c3 = open("n3"); // loaded before its constructor returned
        assertThat(c3.all().keySet()).containsExactly("a-app", "b-app");

        Recorder r = new Recorder();
        c3.listen(r);
        assertThat(r.events).containsExactly("+a-app=1", "+b-app=2"); // replayed at once, in name order

        c2.create("c-app", json("3"));
        checkFor(WAIT, "later change reported", () -> r.events.contains("+c-app=3"));
        assertThat(r.events).containsExactly("+a-app=1", "+b-app=2", "+c-app=3");
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        Recorder r = new Recorder();
        c2.listen(new AppCatalog.Listener() {
            @Override
            public void deployed(String app, byte[] record) {
                throw new IllegalStateException("listener failure expected by the test");
            }

            @Override
            public void undeployed(String app) {
                throw new IllegalStateException("listener failure expected by the test");
            }
        });
        c2.listen(r);
        c1.create("one", json("1"));
        c1.delete("one");
        c1.create("two", json("2"));
        checkFor(WAIT, "all three changes", () -> r.events.size() == 3);
        assertThat(r.events).containsExactly("+one=1", "-one", "+two=2");
    }

    @Test
    void twoNodesRacingToCreateTheSameAppHaveOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                String app = "race-" + i;
                CyclicBarrier together = new CyclicBarrier(2);
                Future<Boolean> a = pool.submit(() -> {
                    together.await(5, TimeUnit.SECONDS);
                    return c1.create(app, json("n1"));
                });
                Future<Boolean> b = pool.submit(() -> {
                    together.await(5, TimeUnit.SECONDS);
                    return c2.create(app, json("n2"));
                });
                assertThat(a.get(5, TimeUnit.SECONDS) ^ b.get(5, TimeUnit.SECONDS)).as(app).isTrue();
                String winner = a.get() ? "n1" : "n2";
                checkFor(WAIT, "both agree on " + app, () -> c1.get(app).isPresent() && c2.get(app).isPresent());
                assertThat(text(c1.get(app).orElseThrow())).isEqualTo(winner);
                assertThat(text(c2.get(app).orElseThrow())).isEqualTo(winner);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void recordsAreCopiesAndNamesAreChecked() {
        byte[] record = json("orig");
        c1.create("app1", record);
        record[0] = 'X';
        c1.get("app1").orElseThrow()[0] = 'Y';
        c1.all().get("app1")[0] = 'Z';
        assertThat(text(c1.get("app1").orElseThrow())).isEqualTo("orig");
        assertThatThrownBy(() -> c1.all().put("x", new byte[0])).isInstanceOf(UnsupportedOperationException.class);

        for (String bad : new String[] {"", "Shop", "-shop", "shop.x", "shop/x", "sh op"}) {
            assertThatThrownBy(() -> c1.create(bad, json("x"))).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void anUnreachableStoreFailsWithinBoundedTimeAndReadsKeepTheLastCopy() {
        c1.create("kept", json("k"));
        server.stop();
        long start = System.nanoTime();
        assertThatThrownBy(() -> c1.create("new-app", json("x"))).isInstanceOf(AtollException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(c1.get("kept")).isPresent();

        c1.close();
        assertThatThrownBy(() -> c1.delete("kept")).isInstanceOf(AtollException.class);
        assertThat(c1.all()).containsOnlyKeys("kept");
    }
}
