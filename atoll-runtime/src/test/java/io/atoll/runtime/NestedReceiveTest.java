package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A handler that waits for an answer inside atoll_on_message (a request to another atom) is still
 * handling its event: an on-demand instance is not retired in the middle of it.
 */
class NestedReceiveTest {
    TestNode t;

    @BeforeEach
    void start() {
        t = TestNode.start();
        t.atom("probe");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    @Test
    void anOnDemandHandlerWaitingForAnAnswerFinishesItsEvent() {
        t.deploy("""
                app: nest
                atoms:
                  - { name: asker, module: probe.wasm, kind: reactive, policy: on-demand, routes: [ { path: /ask } ] }
                  - { name: echo, module: probe.wasm }
                """);
        // rtt: three request/answer round trips to nest/echo, each received inside the handler
        var r = t.post("/apps/nest/ask", "rtt nest/echo 3");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).startsWith("p50=").endsWith("n=3");
        var again = t.post("/apps/nest/ask", "rtt nest/echo 2");
        assertThat(again.body()).endsWith("n=2");
    }
}
