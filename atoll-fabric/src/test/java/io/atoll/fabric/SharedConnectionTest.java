package io.atoll.fabric;

import static io.atoll.fabric.Eventually.checkFor;
import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes, each running every fabric component on its one shared connection, as the CLI wires them. */
@Timeout(30)
class SharedConnectionTest {
    static final Duration INTERVAL = Duration.ofMillis(200);
    static final Duration DOWN_AFTER = Duration.ofSeconds(1);
    static final Duration WAIT = Duration.ofSeconds(3);

    @Test
    void everyComponentRunsOnOneConnectionPerNodeAndClosingThemLeavesItOpen() throws Exception {
        try (NatsServer server = NatsServer.start();
             Connection nc1 = NatsConnect.open(FabricOptions.of(server.url()), "atoll-node-n1");
             Connection nc2 = NatsConnect.open(FabricOptions.of(server.url()), "atoll-node-n2")) {
            NatsMembership m1 = new NatsMembership(nc1, INTERVAL, DOWN_AFTER);
            NatsMembership m2 = new NatsMembership(nc2, INTERVAL, DOWN_AFTER);
            NatsDirectory d1 = new NatsDirectory(nc1);
            NatsDirectory d2 = new NatsDirectory(nc2);
            NatsTransport t1 = new NatsTransport(nc1);
            NatsTransport t2 = new NatsTransport(nc2);
            NatsModuleStore s1 = new NatsModuleStore(nc1);
            NatsModuleStore s2 = new NatsModuleStore(nc2);
            NatsAppCatalog c1 = new NatsAppCatalog(nc1);
            NatsAppCatalog c2 = new NatsAppCatalog(nc2);

            m1.join(MembershipTest.info("n1", "z1", List.of(), 0));
            m2.join(MembershipTest.info("n2", "z1", List.of(), 0));
            checkFor(WAIT, "n1 sees n2 up", () -> MembershipTest.sees(m1, "n2", Member.State.UP));

            byte[] module = "(module)".getBytes(StandardCharsets.UTF_8);
            String hash = NatsModuleStore.sha256(module);
            s1.put(hash, module);
            assertThat(c1.create("shop", hash.getBytes(StandardCharsets.UTF_8))).isTrue();
            d1.register("shop/cart/1", "n1", Map.of("module", hash));
            t1.serve("n1", (target, message) -> d1.nodeOf(target).isPresent() ? message.length : -1);

            // n2 learns everything through its own connection and reaches n1.
            checkFor(WAIT, "n2 sees the app and the name", () -> c2.get("shop").isPresent()
                    && d2.nodeOf("shop/cart/1").isPresent());
            assertThat(s2.get(new String(c2.get("shop").orElseThrow(), StandardCharsets.UTF_8))).isPresent();
            assertThat(t2.send(d2.nodeOf("shop/cart/1").orElseThrow(), "shop/cart/1", new byte[3], WAIT)
                    .get(5, TimeUnit.SECONDS)).isEqualTo(3);

            // Closing the components leaves each node's connection open, and n1's name free again.
            for (AutoCloseable c : List.<AutoCloseable>of(t1, c1, s1, d1)) {
                c.close();
            }
            m1.leave();
            checkFor(WAIT, "n2 sees n1 down", () -> MembershipTest.sees(m2, "n1", Member.State.DOWN));
            assertThat(nc1.getStatus()).isEqualTo(Connection.Status.CONNECTED);
            nc1.flush(Duration.ofSeconds(2));

            NatsMembership again = new NatsMembership(nc1, INTERVAL, DOWN_AFTER);
            again.join(MembershipTest.info("n1", "z1", List.of(), 0)); // not refused by a stale claim listener
            checkFor(WAIT, "n2 sees n1 up again", () -> MembershipTest.sees(m2, "n1", Member.State.UP));
            for (AutoCloseable c : List.<AutoCloseable>of(again, m2, t2, c2, s2, d2)) {
                c.close();
            }
            assertThat(nc2.getStatus()).isEqualTo(Connection.Status.CONNECTED);
        }
    }
}
