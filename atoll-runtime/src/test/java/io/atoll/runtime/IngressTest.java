package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP ingress against a real node running the C probe atom. */
class IngressTest {
    static TestNode t;

    @BeforeAll
    static void start() {
        t = TestNode.start();
        t.deploy("""
                app: web
                atoms:
                  - name: probe
                    module: %s
                    kind: reactive
                    policy: one
                    limits: { timeout: 500ms, max-message: 4Ki }
                    routes:
                      - { path: /probe }
                      - { path: /only-get, methods: [GET] }
                """.formatted(t.atom("probe")));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void echoesThroughAnAtom() {
        var r = t.post("/apps/web/probe", "echo hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello");
        assertThat(r.headers().firstValue("content-type")).hasValue("application/octet-stream");
    }

    @Test
    void atomControlsStatusAndHeaders() {
        var r = t.post("/apps/web/probe", "http 201 made");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).isEqualTo("made");
        assertThat(r.headers().firstValue("x-probe")).hasValue("yes");
    }

    @Test
    void atomSeesMethodPathQueryAndHeaders() {
        var r = t.request("PUT", "/apps/web/probe/sub/dir?x=1&y=2", "req");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("PUT /probe/sub/dir?x=1&y=2").contains("path=/probe/sub/dir", "query=x=1&y=2");
    }

    @Test
    void unknownApplicationsAndRoutesAre404() {
        assertThat(t.get("/apps/nosuch/x").statusCode()).isEqualTo(404);
        var r = t.get("/apps/web/nothing-here");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("no route");
        assertThat(t.get("/elsewhere").statusCode()).isEqualTo(404);
    }

    @Test
    void wrongMethodIs405() {
        assertThat(t.post("/apps/web/only-get", "echo x").statusCode()).isEqualTo(405);
        assertThat(t.get("/apps/web/only-get").statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedBodyIs413AndTheAtomKeepsServing() {
        var r = t.post("/apps/web/probe", "echo " + "x".repeat(5000));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(t.post("/apps/web/probe", "echo still").body()).isEqualTo("still");
    }

    @Test
    void trapIs500WithoutInternalsAndTheAtomRestarts() {
        var r = t.post("/apps/web/probe", "trap");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).contains("failed while handling").doesNotContain("Exception").doesNotContain("at io.");
        assertThat(t.post("/apps/web/probe", "echo back").body()).isEqualTo("back");
    }

    @Test
    void slowAtomIs504AndIsStopped() {
        var r = t.post("/apps/web/probe", "spin");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(t.post("/apps/web/probe", "echo alive").body()).isEqualTo("alive");
    }
}
