package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.atoll.runtime.manifest.ManifestException;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad modules and manifests are refused with a clear reason, and the node keeps serving. */
class BadDeployTest {
    static TestNode t;

    @BeforeAll
    static void start() {
        t = TestNode.start();
        t.deploy("app: good\natoms:\n  - { name: p, module: " + t.atom("probe") + ", routes: [{path: /p}] }\n");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static void stillServing() {
        assertThat(t.post("/apps/good/p", "echo ok").body()).isEqualTo("ok");
    }

    @Test
    void malformedModule() throws Exception {
        Files.write(t.dir.resolve("junk.wasm"), "this is not wasm".getBytes());
        assertThatThrownBy(() -> t.deploy("app: junk\natoms:\n  - { name: j, module: junk.wasm }\n"))
                .isInstanceOf(AtollException.class)
                .hasMessageContaining("atom 'j'").hasMessageContaining("malformed Wasm module");
        assertThat(t.node.core().app("junk")).isNull();
        stillServing();
    }

    @Test
    void missingImportsAreAllNamed() {
        assertThatThrownBy(() -> t.deploy("app: mi\natoms:\n  - { name: m, module: " + t.atom("missing_import") + " }\n"))
                .hasMessageContaining("atoll.does_not_exist").hasMessageContaining("env.mystery");
        stillServing();
    }

    @Test
    void moduleWithoutEntryPoints() {
        assertThatThrownBy(() -> t.deploy("app: ne\natoms:\n  - { name: n, module: " + t.atom("no_entry") + " }\n"))
                .hasMessageContaining("neither 'atoll_main'");
    }

    @Test
    void wasiOnlyWhenGranted() {
        String wasi = t.atom("wasi_hello");
        assertThatThrownBy(() -> t.deploy("app: w1\natoms:\n  - { name: w, module: " + wasi + " }\n"))
                .hasMessageContaining("does not grant the 'wasi' capability");
        t.deploy("app: w2\natoms:\n  - { name: w, module: " + wasi + ", capabilities: [wasi] }\n");
        assertThat(t.send("w2/w/0", "go")).isEqualTo("printed");
        TestNode.await(java.time.Duration.ofSeconds(5), "stdout in the atom log",
                () -> t.get("/api/v1/logs?atom=w2/w/0").body().contains("hello from wasi"));
    }

    @Test
    void wasiFilesOnlyInsideGrantedDirectories() {
        String files = t.atom("wasi_files");
        t.deploy("app: f1\natoms:\n  - { name: w, module: " + files + ", capabilities: [wasi], files: [/data] }\n");
        t.deploy("app: f2\natoms:\n  - { name: w, module: " + files + ", capabilities: [wasi] }\n");
        assertThat(t.send("f1/w/0", "write /data/note.txt kept")).isEqualTo("ok");
        assertThat(t.send("f1/w/0", "read /data/note.txt")).isEqualTo("kept");
        assertThat(t.node.config().dataDir().resolve("files/f1/data/note.txt")).hasContent("kept");
        assertThat(t.send("f1/w/0", "read /etc/passwd")).startsWith("error");
        assertThat(t.send("f2/w/0", "read /data/note.txt")).startsWith("error");
        assertThatThrownBy(() -> t.deploy("app: f3\natoms:\n  - { name: w, module: " + files + ", files: [/data] }\n"))
                .hasMessageContaining("needs the 'wasi' capability");
        assertThatThrownBy(() -> t.deploy("app: f4\natoms:\n  - { name: w, module: " + files + ", capabilities: [wasi], files: [../etc] }\n"))
                .hasMessageContaining("absolute guest path");
    }

    @Test
    void malformedManifestNamesFileLineAndField() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(ManifestException.class, () -> t.deploy("""
                app: bad
                atoms:
                  - name: x
                    module: probe.wasm
                    kind: reactive
                    policy: sometimes
                """));
        assertThat(e.getMessage()).matches(".*app.*\\.yaml:6: atoms\\[0\\]\\.policy: unknown policy 'sometimes'.*");
        assertThatThrownBy(() -> t.deploy("app: bad\natoms:\n  - { name: x, module: p.wasm, colour: red }\n"))
                .hasMessageContaining(":3: atoms[0].colour: unknown field 'colour'");
        assertThatThrownBy(() -> t.deploy("app: Bad!\natoms: []\n")).hasMessageContaining(":1: app:");
        assertThatThrownBy(() -> t.deploy("app: x\natoms:\n  - { name: x, module: p.wasm, limits: { memory: lots } }\n"))
                .hasMessageContaining("atoms[0].limits.memory: 'lots' is not a size");
        assertThatThrownBy(() -> t.deploy("app: [unclosed\n")).hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> t.deploy("app: q\natoms:\n  - name: q\n    module: p.wasm\n    kind: reactive\n    policy: on-demand-expire(after: 5s)\n"))
                .hasMessageContaining(":6: not valid YAML: the policy contains ': ', so YAML needs it quoted: policy: \"on-demand-expire(after: 5s)\"");
        stillServing();
    }

    @Test
    void duplicateApplicationIsRefused() {
        assertThatThrownBy(() -> t.deploy("app: good\natoms:\n  - { name: p, module: " + t.atom("probe") + " }\n"))
                .hasMessageContaining("already deployed");
    }

    @Test
    void memoryBombHitsTheLimitNotTheNode() {
        t.deploy("app: bomb\natoms:\n  - { name: b, module: " + t.atom("probe") + ", limits: { memory: 8Mi } }\n");
        String r = t.send("bomb/b/0", "grow 100000");
        assertThat(r).startsWith("grew ");
        assertThat(Integer.parseInt(r.substring(5))).isLessThan(8);
        assertThat(Long.parseLong(t.send("bomb/b/0", "mem"))).isLessThanOrEqualTo(8L << 20);
        stillServing();
    }

    @Test
    void initialMemoryAboveTheLimitIsRefused() {
        assertThatThrownBy(() -> t.deploy("app: small\natoms:\n  - { name: s, module: " + t.atom("probe") + ", limits: { memory: 64Ki } }\n"))
                .hasMessageContaining("memory at start");
    }
}
