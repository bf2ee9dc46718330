package io.atoll.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes' module stores (own connections) against one real nats-server with JetStream. */
@Timeout(30)
class ModuleStoreTest {
    NatsServer server;
    Connection nc1;
    Connection nc2;
    NatsModuleStore s1;
    NatsModuleStore s2;

    @BeforeEach
    void start() {
        server = NatsServer.start();
        nc1 = NatsConnect.open(server.url(), "modules-n1");
        nc2 = NatsConnect.open(server.url(), "modules-n2");
        s1 = new NatsModuleStore(nc1);
        s2 = new NatsModuleStore(nc2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        s1.close();
        s2.close();
        nc1.close();
        nc2.close();
        server.close();
    }

    static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aThreeMegabyteModuleRoundTripsToAnotherNode() throws Exception {
        byte[] module = bytes(3 * 1024 * 1024, 1);
        String name = sha256(module);
        assertThat(s2.has(name)).isFalse();

        s1.put(name, module);

        assertThat(s1.has(name)).isTrue();
        assertThat(s2.has(name)).isTrue(); // another connection, another node
        assertThat(s2.get(name)).hasValueSatisfying(got -> assertThat(got).isEqualTo(module));
        ObjectInfo info = nc1.objectStore(NatsModuleStore.BUCKET).getInfo(name);
        assertThat(info.getChunks()).isGreaterThan(1); // it really was split below the message limit
    }

    @Test
    void putIsIdempotent() throws Exception {
        byte[] module = bytes(200_000, 2);
        String name = sha256(module);
        s1.put(name, module);
        ObjectStore raw = nc1.objectStore(NatsModuleStore.BUCKET);
        String firstCopy = raw.getInfo(name).getNuid();

        s1.put(name, module);
        s2.put(name, module);

        assertThat(raw.getInfo(name).getNuid()).isEqualTo(firstCopy); // not written again
        assertThat(s1.get(name)).hasValueSatisfying(got -> assertThat(got).isEqualTo(module));
    }

    @Test
    void aMissingModuleIsEmpty() throws Exception {
        String name = sha256(new byte[] {42});
        assertThat(s1.get(name)).isEmpty();
        assertThat(s1.has(name)).isFalse();
    }

    @Test
    void namesAndBytesAreChecked() throws Exception {
        byte[] module = bytes(1000, 3);
        String wrong = sha256(bytes(1000, 4));
        assertThatThrownBy(() -> s1.put(wrong, module)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(wrong);
        assertThat(s1.has(wrong)).isFalse(); // nothing stored
        assertThatThrownBy(() -> s1.get("sha256:" + sha256(module))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s1.has(sha256(module).toUpperCase())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aModuleWhoseBytesDoNotMatchItsNameIsReportedNotReturned() throws Exception {
        byte[] good = bytes(5000, 5);
        String name = sha256(good);
        // Written behind the store's back, as a buggy or malicious writer could.
        nc1.objectStore(NatsModuleStore.BUCKET).put(name, bytes(5000, 6));

        assertThatThrownBy(() -> s2.get(name)).isInstanceOf(AtollException.class)
                .hasMessageContaining(name).hasMessageContaining("damaged");
    }

    @Test
    void anUnreachableStoreFailsWithinBoundedTime() {
        server.stop();
        long start = System.nanoTime();
        assertThatThrownBy(() -> s1.has(sha256Of("x"))).isInstanceOf(AtollException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    private static String sha256Of(String s) {
        try {
            return sha256(s.getBytes());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
