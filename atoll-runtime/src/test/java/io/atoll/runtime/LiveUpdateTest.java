package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.atoll.engine.WasmEngine;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Live update: a running atom continues in a new version of its module, or is refused with the reason. */
class LiveUpdateTest {
    TestNode t;

    @BeforeEach
    void start() {
        t = TestNode.start();
        t.atom("update_v1");
        t.atom("probe_loop");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    /** Stores a test atom on the node; returns its hash. */
    String upload(String atom) throws IOException {
        try (InputStream in = LiveUpdateTest.class.getResourceAsStream("/atoms/" + atom + ".wasm")) {
            byte[] bytes = in.readAllBytes();
            String hash = WasmEngine.sha256(bytes);
            t.node.storeModule(hash, bytes);
            return hash;
        }
    }

    @Test
    void anAtomContinuesInTheNewVersionWithItsStateAndNewConstants() throws IOException {
        t.deploy("""
                app: u
                atoms:
                  - { name: w, module: update_v1.wasm }
                """);
        assertThat(t.send("u/w/0", "add 5")).isEqualTo("v1 total=5 events=1");
        String v2 = upload("update_v2");
        var report = t.node.updateAtom("u/w/0", v2);
        assertThat(report.to()).isEqualTo(v2);
        assertThat(report.pauseMs()).isPositive();
        // the new code (adds ten times) on the old state; its changed constant ("v2") took effect
        assertThat(t.send("u/w/0", "add 5")).isEqualTo("v2 total=55 events=2");
        assertThat(t.node.core().atom("u/w/0").module().hash()).isEqualTo(v2);

        // a version with another data layout is refused, naming why, and the atom goes on as it was
        String bad = upload("update_bad");
        assertThatThrownBy(() -> t.node.updateAtom("u/w/0", bad)).isInstanceOf(AtollException.class)
                .hasMessageContaining("cannot update u/w/0").hasMessageContaining("static data is laid out differently")
                .hasMessageContaining("keeps running its current version");
        assertThat(t.send("u/w/0", "show")).isEqualTo("v2 total=55 events=3");

        // through the API, back to v1 (same layout): the state still carries over
        String v1 = upload("update_v1");
        var r = t.post("/api/v1/atoms/u/w/0/update?module=sha256:" + v1, "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"from\":\"" + v2 + "\"").contains("pauseMs");
        assertThat(t.send("u/w/0", "add 1")).isEqualTo("v1 total=56 events=4");
        assertThat(t.post("/api/v1/atoms/u/w/0/update", "").statusCode()).isEqualTo(400);
    }

    @Test
    void aLoopStyleAtomOrAnotherStyleIsRefused() throws IOException {
        t.deploy("""
                app: l
                atoms:
                  - { name: w, module: probe_loop.wasm }
                  - { name: h, module: update_v1.wasm }
                """);
        t.send("l/w/0", "count");
        String v2 = upload("update_v2");
        assertThatThrownBy(() -> t.node.updateAtom("l/w/0", v2)).isInstanceOf(AtollException.class)
                .hasMessageContaining("call stack belongs to the old code");
        assertThat(t.send("l/w/0", "count")).isEqualTo("2");
        String loop = upload("probe_loop");
        assertThatThrownBy(() -> t.node.updateAtom("l/h/0", loop)).isInstanceOf(AtollException.class)
                .hasMessageContaining("another style");
        assertThat(t.send("l/h/0", "show")).isEqualTo("v1 total=0 events=1");
        assertThatThrownBy(() -> t.node.updateAtom("l/nobody/0", v2)).isInstanceOf(AtollException.class)
                .hasMessageContaining("no atom named l/nobody/0");
    }
}
