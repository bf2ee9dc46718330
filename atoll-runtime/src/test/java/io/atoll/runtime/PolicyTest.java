package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.runtime.atom.Atom;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every scheduling policy, observed through instance names and counts on a real node. */
class PolicyTest {
    static TestNode t;

    @BeforeAll
    static void start() {
        t = TestNode.start();
        String probe = t.atom("probe");
        t.deploy("""
                app: pol
                atoms:
                  - { name: one, module: %1$s, kind: reactive, policy: one, routes: [{path: /one}] }
                  - { name: rr, module: %1$s, kind: reactive, policy: round-robin(3), routes: [{path: /rr}] }
                  - { name: fresh, module: %1$s, kind: reactive, policy: on-demand, routes: [{path: /fresh}] }
                  - { name: reuse, module: %1$s, kind: reactive, policy: "on-demand-expire(after: 700ms)", routes: [{path: /reuse}] }
                  - { name: five, module: %1$s, kind: reactive, policy: "on-demand-expire(after: 5 events)", routes: [{path: /five}] }
                  - { name: burst, module: %1$s, kind: reactive, policy: "on-demand-expire(after: 5s)", routes: [{path: /burst}] }
                  - { name: daemons, module: %1$s, instances: 3, routes: [{path: /daemons}] }
                """.formatted(probe));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Set<String> selves(String route, int n) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            var r = t.post("/apps/pol/" + route, "self");
            assertThat(r.statusCode()).isEqualTo(200);
            names.add(r.body());
        }
        return names;
    }

    private static long instances(String def) {
        return t.node.core().atoms().stream().map(Atom::name).filter(n -> n.startsWith("pol/" + def + "/")).count();
    }

    @Test
    void oneUsesASingleInstanceForEverything() {
        assertThat(selves("one", 6)).hasSize(1).allMatch(n -> n.matches("pol/one/r\\d+"));
        assertThat(t.post("/apps/pol/one", "count").body()).isEqualTo("7"); // six 'self' and this one
    }

    @Test
    void roundRobinSpreadsOverNInstances() {
        assertThat(selves("rr", 9)).hasSize(3);
        assertThat(instances("rr")).isEqualTo(3);
    }

    @Test
    void onDemandCreatesAFreshInstancePerEventAndRetiresIt() {
        assertThat(selves("fresh", 4)).hasSize(4);
        TestNode.await(Duration.ofSeconds(5), "on-demand instances retired", () -> instances("fresh") == 0);
    }

    @Test
    void onDemandExpireReusesIdleInstancesThenRetiresThemAfterTheIdleTime() {
        assertThat(selves("reuse", 5)).hasSize(1); // sequential requests: the idle instance is reused
        assertThat(instances("reuse")).isEqualTo(1);
        TestNode.await(Duration.ofSeconds(5), "idle instance expired", () -> instances("reuse") == 0);
        assertThat(t.post("/apps/pol/reuse", "count").body()).isEqualTo("1"); // a new one starts from scratch
    }

    @Test
    void onDemandExpireByEventsRetiresAfterNEvents() {
        Set<String> names = selves("five", 10);
        assertThat(names).hasSize(2);
    }

    @Test
    void daemonsHaveFixedNamesAndShareEvents() {
        assertThat(selves("daemons", 6)).containsExactlyInAnyOrder("pol/daemons/0", "pol/daemons/1", "pol/daemons/2");
    }

    @Test
    void concurrentEventsOnOnDemandExpireCreateMoreInstances() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<String>>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> t.post("/apps/pol/burst", "busy 300").body()));
            }
            for (var f : futures) {
                assertThat(f.get()).isEqualTo("done");
            }
        } finally {
            pool.shutdown();
        }
        assertThat(instances("burst")).isGreaterThan(1);
    }
}
