package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.runtime.atom.Atom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The four recovery policies, each with an atom that faults on command. */
class RecoveryTest {
    private static String manifest(TestNode t, String app, String recovery, String extra) {
        return """
                app: %s
                atoms:
                  - { name: victim, module: %s, recovery: %s%s }
                  - { name: bystander, module: %s, routes: [{path: /by}] }
                """.formatted(app, t.atom("probe"), recovery, extra, t.atom("probe"));
    }

    @Test
    void noneStopsTheAtomAndReportsIt() {
        try (TestNode t = TestNode.start()) {
            t.deploy(manifest(t, "r", "none", ""));
            assertThat(t.post("/api/v1/send?to=r/victim/0", "trap").statusCode()).isEqualTo(500);
            Atom victim = t.node.core().atom("r/victim/0");
            TestNode.await(Duration.ofSeconds(5), "victim failed", () -> victim.state().label().equals("failed"));
            assertThat(victim.lastFault()).contains("recovery: none");
            assertThat(t.post("/api/v1/send?to=r/victim/0", "echo x").statusCode()).isEqualTo(404);
            assertThat(t.post("/apps/r/by", "echo still").body()).isEqualTo("still");
            t.deploy("app: r2\natoms:\n  - { name: v, module: " + t.atom("probe") + ", recovery: none, routes: [{path: /v}] }\n");
            t.post("/apps/r2/v", "trap");
            TestNode.await(Duration.ofSeconds(5), "r2 failed", () -> t.node.core().atom("r2/v/0").state().label().equals("failed"));
            var stopped = t.post("/apps/r2/v", "echo x");
            assertThat(stopped.statusCode()).isEqualTo(503);
            assertThat(stopped.body()).contains("no running instance of r2/v");
            assertThat(t.get("/api/v1/atoms/r/victim/0").body()).contains("\"state\":\"failed\"");
        }
    }

    @Test
    void restartKeepsTheNameAndTheMailboxAndGivesUpAfterMax() {
        try (TestNode t = TestNode.start()) {
            t.deploy(manifest(t, "r", "restart", ", restart: { max: 2, backoff: 10ms }"));
            assertThat(t.send("r/victim/0", "echo one")).isEqualTo("one");
            assertThat(t.post("/api/v1/send?to=r/victim/0", "trap").statusCode()).isEqualTo(500);
            assertThat(t.send("r/victim/0", "count")).isEqualTo("1"); // fresh state, same name
            Atom victim = t.node.core().atom("r/victim/0");
            assertThat(victim.restarts()).isEqualTo(1);
            // two more faults in a row without success in between: gives up after max=2 restarts
            t.post("/api/v1/send?to=r/victim/0", "exit 7");
            t.post("/api/v1/send?to=r/victim/0", "exit 7");
            t.post("/api/v1/send?to=r/victim/0&wait=0", "exit 7");
            TestNode.await(Duration.ofSeconds(5), "victim gave up", () -> victim.state().label().equals("failed"));
            assertThat(victim.lastFault()).contains("gave up after 2 restarts");
            assertThat(t.post("/apps/r/by", "echo fine").body()).isEqualTo("fine");
        }
    }

    @Test
    void recoverCallsTheRecoveryExportBeforeRestarting() {
        try (TestNode t = TestNode.start()) {
            t.deploy(manifest(t, "r", "recover", ""));
            assertThat(t.send("r/victim/0", "kvget recovered")).isEqualTo("notfound");
            t.post("/api/v1/send?to=r/victim/0", "trap");
            TestNode.await(Duration.ofSeconds(5), "recovered", () -> t.send("r/victim/0", "kvget recovered").equals("yes"));
            assertThat(t.send("r/victim/0", "kvget recovered_fault")).contains("trap");
        }
    }

    @Test
    void escalateStopsTheWholeNode() throws Exception {
        TestNode t = TestNode.start();
        try {
            t.deploy(manifest(t, "r", "escalate", ""));
            t.post("/api/v1/send?to=r/victim/0&wait=0", "trap");
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    t.node.awaitStopped();
                } catch (InterruptedException ignored) {
                    // test ends
                }
            });
            waiter.join(Duration.ofSeconds(10));
            assertThat(waiter.isAlive()).as("node stopped").isFalse();
            assertThat(t.node.escalated()).isTrue();
        } finally {
            t.close();
        }
    }

    @Test
    void aHandlerReturningAnErrorCodeIsAFault() {
        try (TestNode t = TestNode.start()) {
            t.deploy(manifest(t, "r", "restart", ", restart: { backoff: 10ms }"));
            assertThat(t.send("r/victim/0", "return -7")).isEqualTo("returning -7"); // answers, then returns -7
            TestNode.await(Duration.ofSeconds(5), "restarted", () -> t.node.core().atom("r/victim/0").restarts() == 1);
            assertThat(t.node.core().atom("r/victim/0").faults()).isEqualTo(1);
            assertThat(t.get("/api/v1/logs?atom=r/victim/0").body()).contains("atoll_on_message returned -7 (EINTERNAL)");
            assertThat(t.send("r/victim/0", "echo back")).isEqualTo("back");
        }
    }

    @Test
    void aTimedOutLoopIterationIsAFault() {
        try (TestNode t = TestNode.start()) {
            t.deploy("""
                    app: loop
                    atoms:
                      - { name: l, module: %s, limits: { timeout: 300ms } }
                    """.formatted(t.atom("probe_loop")));
            assertThat(t.send("loop/l/0", "echo hi")).isEqualTo("hi");
            var r = t.post("/api/v1/send?to=loop/l/0", "spin");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("timeout");
            TestNode.await(Duration.ofSeconds(5), "restarted", () -> t.node.core().atom("loop/l/0").restarts() == 1);
            assertThat(t.send("loop/l/0", "echo again")).isEqualTo("again");
        }
    }
}
