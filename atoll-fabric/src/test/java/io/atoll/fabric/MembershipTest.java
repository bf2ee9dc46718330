package io.atoll.fabric;

import static io.atoll.fabric.Eventually.checkFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three memberships in one JVM against one real nats-server. */
@Timeout(30)
class MembershipTest {
    static final Duration INTERVAL = Duration.ofMillis(200);
    static final Duration DOWN_AFTER = Duration.ofSeconds(1);
    static final Duration WAIT = Duration.ofSeconds(5);

    NatsServer server;
    final List<NatsMembership> opened = new ArrayList<>();

    @BeforeEach
    void startServer() {
        server = NatsServer.start();
    }

    @AfterEach
    void stopAll() {
        opened.forEach(NatsMembership::close);
        server.close();
    }

    static NodeInfo info(String name, String zone, List<String> tags, int atoms) {
        return new NodeInfo(name, zone, tags, 2, 1L << 30, 1L << 29, atoms, 0.5,
                "http://127.0.0.1:80" + name.length(), Instant.parse("2025-01-01T00:00:00Z"));
    }

    NatsMembership join(NodeInfo self, Duration downAfter) {
        NatsMembership m = new NatsMembership(server.url(), INTERVAL, downAfter);
        opened.add(m);
        m.join(self);
        return m;
    }

    NatsMembership join(NodeInfo self) {
        return join(self, DOWN_AFTER);
    }

    static Optional<Member> seen(Membership m, String name) {
        return m.members().stream().filter(x -> x.name().equals(name)).findFirst();
    }

    static boolean sees(Membership m, String name, Member.State state) {
        return seen(m, name).map(x -> x.state() == state).orElse(false);
    }

    @Test
    void allSeeAllUpWithZoneTagsAndResources() {
        NodeInfo a = info("alpha", "z1", List.of("gpu"), 1);
        NodeInfo b = info("beta", "z1", List.of(), 2);
        NodeInfo c = info("gamma", "z2", List.of("edge", "arm"), 3);
        List<NatsMembership> ms = List.of(join(a), join(b), join(c));

        for (NatsMembership m : ms) {
            checkFor(WAIT, "three UP", () -> m.members().stream().filter(Member::isUp).count() == 3);
            assertThat(m.members()).extracting(Member::info).containsExactly(a, b, c); // sorted by name
        }
    }

    @Test
    void updatesPropagate() {
        NatsMembership a = join(info("alpha", "z1", List.of(), 0));
        NatsMembership b = join(info("beta", "z1", List.of(), 0));
        checkFor(WAIT, "b sees alpha", () -> sees(b, "alpha", Member.State.UP));

        a.update(info("alpha", "z1", List.of(), 0).withResources(42, 7, 1.5));
        checkFor(WAIT, "b sees alpha's new figures",
                () -> seen(b, "alpha").map(x -> x.info().atoms() == 7 && x.info().freeMemoryBytes() == 42).orElse(false));
        assertThat(seen(a, "alpha").orElseThrow().info().atoms()).isEqualTo(7);
    }

    @Test
    void silentNodeGoesDownInBoundedTimeAndComesBack() {
        NatsMembership a = join(info("alpha", "z1", List.of(), 0));
        NatsMembership b = join(info("beta", "z1", List.of(), 0));
        List<MemberEvent> aEvents = new CopyOnWriteArrayList<>();
        a.addListener(aEvents::add);
        NatsMembership c = join(info("gamma", "z2", List.of(), 0));
        checkFor(WAIT, "all see gamma", () -> sees(a, "gamma", Member.State.UP) && sees(b, "gamma", Member.State.UP));

        c.close(); // no leave: from outside this is a node that died
        Duration took = checkFor(WAIT, "gamma DOWN everywhere",
                () -> sees(a, "gamma", Member.State.DOWN) && sees(b, "gamma", Member.State.DOWN));
        // Rule 4: within downAfter + interval of the last heartbeat (which was at most one interval before close).
        assertThat(took).isLessThan(DOWN_AFTER.plus(INTERVAL).plus(INTERVAL).plusMillis(300));
        assertThat(took).isGreaterThan(DOWN_AFTER.minus(INTERVAL).minusMillis(50)); // not a false alarm earlier
        assertThat(sees(a, "alpha", Member.State.UP)).isTrue();
        assertThat(sees(a, "beta", Member.State.UP)).isTrue();

        join(info("gamma", "z2", List.of("restarted"), 0));
        checkFor(WAIT, "gamma UP again with its new tags", () -> seen(a, "gamma")
                .map(x -> x.isUp() && x.info().tags().equals(List.of("restarted"))).orElse(false)
                && sees(b, "gamma", Member.State.UP));
        checkFor(WAIT, "listener saw UP, DOWN, UP", () -> aEvents.stream()
                .filter(e -> e.member().name().equals("gamma") && e.kind() != MemberEvent.Kind.CHANGED)
                .map(MemberEvent::kind).toList().equals(List.of(MemberEvent.Kind.UP, MemberEvent.Kind.DOWN, MemberEvent.Kind.UP)));
    }

    @Test
    void leaveIsSeenAtOnce() {
        Duration longDownAfter = Duration.ofSeconds(10);
        NatsMembership a = join(info("alpha", "z1", List.of(), 0), longDownAfter);
        NatsMembership b = join(info("beta", "z1", List.of(), 0), longDownAfter);
        checkFor(WAIT, "a sees beta", () -> sees(a, "beta", Member.State.UP));

        b.leave();
        Duration took = checkFor(WAIT, "beta DOWN", () -> sees(a, "beta", Member.State.DOWN));
        assertThat(took).isLessThan(Duration.ofSeconds(1)); // far below downAfter
        b.leave(); // idempotent
        b.close();
    }

    @Test
    void duplicateLiveNameIsRefused() {
        join(info("alpha", "z1", List.of(), 0));
        NatsMembership dup = new NatsMembership(server.url(), INTERVAL, DOWN_AFTER);
        opened.add(dup);
        assertThatThrownBy(() -> dup.join(info("alpha", "z9", List.of(), 0)))
                .isInstanceOf(AtollException.class)
                .hasMessageContaining("'alpha' is already in use by a live node at http://127.0.0.1:805 (zone z1)")
                .extracting(e -> ((AtollException) e).hint()).asString().contains("--name");
    }

    @Test
    void unreachableFabricIsAClearError() throws Exception {
        String url = "nats://127.0.0.1:" + NatsServer.freePort();
        NatsMembership m = new NatsMembership(url, INTERVAL, DOWN_AFTER);
        opened.add(m);
        long start = System.nanoTime();
        assertThatThrownBy(() -> m.join(info("alpha", "z1", List.of(), 0)))
                .isInstanceOf(AtollException.class)
                .hasMessageStartingWith("cannot reach the fabric at " + url + ": ")
                .extracting(e -> ((AtollException) e).hint()).isEqualTo("start nats-server or check --fabric");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void membersSurviveAServerRestart() {
        NatsMembership a = join(info("alpha", "z1", List.of(), 0), Duration.ofSeconds(3));
        NatsMembership b = join(info("beta", "z1", List.of(), 0), Duration.ofSeconds(3));
        checkFor(WAIT, "a sees beta", () -> sees(a, "beta", Member.State.UP));

        server.restart();
        Instant restarted = Instant.now();
        // Heartbeats flow again (seen after the restart) and, reconnecting well within downAfter, both stay UP.
        checkFor(WAIT, "heartbeats again after the restart", () -> seen(a, "beta")
                .map(x -> x.isUp() && x.lastSeen().isAfter(restarted)).orElse(false)
                && seen(b, "alpha").map(x -> x.isUp() && x.lastSeen().isAfter(restarted)).orElse(false));
        b.close();
        checkFor(WAIT, "beta DOWN after it dies on the new server", () -> sees(a, "beta", Member.State.DOWN));
    }

    @Test
    void claimSubjectsAreSingleTokensAndDistinct() {
        assertThat(NatsMembership.claimSubject("node-1")).isEqualTo("atoll.members.claim.node-1");
        assertThat(NatsMembership.claimSubject("host.example.com")).isEqualTo("atoll.members.claim.host_2Eexample_2Ecom");
        assertThat(NatsMembership.claimSubject("a_2E")).isNotEqualTo(NatsMembership.claimSubject("a."));
    }
}
