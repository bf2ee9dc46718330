package io.atoll.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * `atoll update` on two node processes: asked through the node that does not run the atom, the
 * atom continues in the new version with its state; moved afterwards, the other node fetches that
 * version from the cluster's module store; a version with another layout is refused.
 */
class LiveUpdateClusterTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private Path atom(String name) throws IOException {
        Path f = dir.resolve(name + ".wasm");
        try (InputStream in = LiveUpdateClusterTest.class.getResourceAsStream("/atoms/" + name + ".wasm")) {
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    private static String send(NodeProcess via, String atom, String command) throws IOException {
        HttpResponse<String> r = Http.post(via.url() + "/api/v1/send?to=" + atom + "&wait=10s", command, Duration.ofSeconds(20));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The nodes that run u/w/0 themselves (by their own list of atoms). */
    private static List<String> runners(List<NodeProcess> nodes) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (NodeProcess n : nodes) {
            for (var atom : new com.fasterxml.jackson.databind.ObjectMapper().readTree(Http.get(n.url() + "/api/v1/atoms").body())) {
                if (atom.get("name").asText().equals("u/w/0") && n.name().equals(atom.path("node").asText())
                        && atom.path("state").asText().matches("idle|running|waiting")) {
                    out.add(n.name());
                }
            }
        }
        return out;
    }

    @Test
    void anUpdatedAtomKeepsItsStateAndItsNewVersionWhenItMoves() throws Exception {
        atom("update_v1");
        Path v2 = atom("update_v2");
        Path bad = atom("update_bad");
        Path manifest = dir.resolve("u.yaml");
        Files.writeString(manifest, """
                app: u
                atoms:
                  - { name: w, module: update_v1.wasm }
                """);
        try (ClusterHarness h = ClusterHarness.singleServer(dir)) {
            NodeProcess x = h.start("x", "cloud", List.of(), h.server());
            NodeProcess y = h.start("y", "cloud", List.of(), h.server());
            List.of(x, y).forEach(h::await);
            h.eventually("both up", CONVERGE, () -> h.state(x, "y").equals("up"));
            CliRun deploy = CliRun.run("deploy", manifest.toString(), "--node", y.url());
            assertThat(deploy.code()).as(deploy.err()).isZero();
            h.eventually("placed", CONVERGE, // (a 404 until the directory reaches y: retried)
                    () -> Http.post(y.url() + "/api/v1/send?to=u/w/0&wait=10s", "add 2", Duration.ofSeconds(20)).body(),
                    s -> s.startsWith("v1 total="));
            // the node that runs it, by each node's own atoms (placement may settle for a moment after deploy)
            String owner = h.eventually("one node runs it", CONVERGE, () -> runners(List.of(x, y)), l -> l.size() == 1).get(0);
            NodeProcess a = owner.equals("x") ? x : y; // runs it
            NodeProcess b = a == x ? y : x; // does not
            String before = h.eventually("it answers", CONVERGE,
                    () -> Http.post(a.url() + "/api/v1/send?to=u/w/0&wait=10s", "show", Duration.ofSeconds(20)).body(),
                    r -> r.startsWith("v1 total="));
            h.eventually("the other node knows it (the directory is shared asynchronously)", CONVERGE,
                    () -> Http.get(b.url() + "/api/v1/atoms/u/w/0").statusCode(), code -> code == 200);

            CliRun update = CliRun.run("update", "u/w/0", "--module", v2.toString(), "--node", b.url());
            assertThat(update.code()).as(update.out() + update.err()).isZero();
            assertThat(update.out()).contains("updated u/w/0 on " + a.name() + " from sha256:").contains("paused");
            long total = Long.parseLong(before.replaceAll(".*total=(\\d+).*", "$1"));
            assertThat(send(b, "u/w/0", "add 1")).startsWith("v2 total=" + (total + 10));

            CliRun move = CliRun.run("migrate", "u/w/0", "--to", b.name(), "--node", a.url());
            assertThat(move.code()).as(move.out() + move.err()).isZero();
            assertThat(send(a, "u/w/0", "add 1")).as("moved with its new version").startsWith("v2 total=" + (total + 20));

            CliRun refused = CliRun.run("update", "u/w/0", "--module", bad.toString(), "--node", a.url());
            assertThat(refused.code()).isNotZero();
            assertThat(refused.err()).contains("static data is laid out differently").contains("keeps running its current version");
            assertThat(send(b, "u/w/0", "show")).startsWith("v2 total=" + (total + 20));
        }
    }
}
