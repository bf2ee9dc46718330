package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client commands against a real node (in this JVM, on a free port) running the echo example. */
class CliAgainstNodeTest {
    @TempDir
    Path tmp;
    Node node;
    Path manifest;

    @BeforeEach
    void startNodeAndWriteTheApp() throws Exception {
        node = Node.start(new NodeConfig("cli-test", "default", List.of(), "127.0.0.1", 0, tmp.resolve("data"), null));
        Path app = Files.createDirectories(tmp.resolve("echo-app"));
        try (InputStream wasm = getClass().getResourceAsStream("/atoll/examples/wasm/echo.wasm")) {
            assertThat(wasm).as("echo.wasm from atoll-examples on the test class path").isNotNull();
            Files.copy(wasm, app.resolve("echo.wasm"));
        }
        manifest = Files.writeString(app.resolve("app.yaml"), """
                app: echo
                atoms:
                  - name: echo
                    module: echo.wasm
                    kind: reactive
                    routes:
                      - { path: /echo }
                """);
    }

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void deploySendPsUndeploy() throws Exception {
        String url = node.baseUrl();

        Cli deploy = Cli.run("deploy", manifest.toString(), "--node", url);
        assertThat(deploy.err()).isEmpty();
        assertThat(deploy.code()).isZero();
        assertThat(deploy.out()).startsWith("uploaded echo.wasm (")
                .contains("deployed echo: 1 atom\n")
                .endsWith("ingress: " + url + "/apps/echo/\n");

        Cli send = Cli.run("send", "echo/echo", "hello from the cli", "--node", url);
        assertThat(send.err()).isEmpty();
        assertThat(send.out()).isEqualTo("hello from the cli\n");

        Cli ps = Cli.run("ps", "--node", url);
        assertThat(ps.code()).isZero();
        List<String> lines = ps.out().lines().toList();
        assertThat(lines.get(0)).matches("NAME +NODE +KIND +STYLE +STATE +MAILBOX +MSGS +FAULTS +RESTARTS");
        assertThat(lines).anyMatch(l -> l.matches("echo/echo/\\S+ +\\S+ +reactive +handler +\\S+ +0 +1 +0 +0"));

        JsonNode json = NodeClient.JSON.readTree(Cli.run("ps", "--json", "--node", url).out());
        assertThat(json.isArray()).isTrue();
        assertThat(json.get(0).get("app").asText()).isEqualTo("echo");

        Cli again = Cli.run("deploy", manifest.toString(), "--node", url);
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err().lines().toList()).hasSize(2);
        assertThat(again.err()).startsWith("error: ").contains("echo").contains("\nhint: ");

        Cli undeploy = Cli.run("undeploy", "echo", "--node", url);
        assertThat(undeploy.out()).isEqualTo("undeployed echo\n");
        assertThat(Cli.run("ps", "--node", url).out()).startsWith("no atoms");
    }

    @Test
    void aRequesterThatStopsWaitingDoesNotFaultTheAtom() throws Exception {
        String url = node.baseUrl();
        assertThat(Cli.run("deploy", manifest.toString(), "--node", url).code()).isZero();
        // wait=0: the API stops waiting at once, so the atom's reply finds nobody (ENOTFOUND)
        assertThat(Cli.run("send", "echo/echo", "nobody listens", "--wait", "0", "--node", url).out()).contains("delivered");
        long end = System.nanoTime() + 5_000_000_000L;
        JsonNode atom;
        do {
            Thread.sleep(50);
            atom = NodeClient.JSON.readTree(Cli.run("ps", "--json", "--node", url).out()).get(0);
        } while (atom.get("messages").asLong() < 1 && System.nanoTime() < end);
        Thread.sleep(200);
        atom = NodeClient.JSON.readTree(Cli.run("ps", "--json", "--node", url).out()).get(0);
        assertThat(atom.get("messages").asLong()).isEqualTo(1);
        assertThat(atom.get("faults").asLong()).isZero();
        assertThat(atom.get("restarts").asLong()).isZero();
    }

    @Test
    void nodesListsTheOneNodeWhenNotInACluster() throws Exception {
        Cli nodes = Cli.run("nodes", "--node", node.baseUrl());
        assertThat(nodes.code()).isZero();
        List<String> lines = nodes.out().lines().toList();
        assertThat(lines.get(0)).matches("NAME +STATE +ZONE +TAGS +ATOMS +LOAD +ADDRESS");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).matches("cli-test +up +default +- +0 +(\\d+\\.\\d\\d|-) +" + node.baseUrl().replace(".", "\\."));
        JsonNode json = NodeClient.JSON.readTree(Cli.run("nodes", "--json", "--node", node.baseUrl()).out());
        assertThat(json.get(0).get("cores").asInt()).isPositive();
    }

    @Test
    void unknownAtomIsOneErrorAndAHint() {
        Cli send = Cli.run("send", "nope/nope", "x", "--node", node.baseUrl());
        assertThat(send.code()).isEqualTo(1);
        assertThat(send.err().lines().toList()).hasSize(2);
        assertThat(send.err()).startsWith("error: ").contains("nope").contains("\nhint: ").doesNotContain("\tat ");
    }
}
