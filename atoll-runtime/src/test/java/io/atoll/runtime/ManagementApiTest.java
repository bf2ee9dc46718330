package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atoll.engine.WasmEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The management API as the CLI uses it: upload by hash, deploy by JSON, inspect, undeploy. */
class ManagementApiTest {
    static TestNode t;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() {
        t = TestNode.start();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static HttpResponse<String> put(String path, byte[] body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.node.baseUrl() + path))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String deployJson(String yaml, Map<String, String> modules) throws Exception {
        return JSON.writeValueAsString(Map.of("manifest", yaml, "file", "app.yaml", "modules", modules));
    }

    @Test
    void uploadDeployInspectUndeploy() throws Exception {
        byte[] wasm = Files.readAllBytes(t.dir.resolve(t.atom("probe")));
        String hash = WasmEngine.sha256(wasm);
        var up = put("/api/v1/modules/" + hash, wasm);
        assertThat(up.statusCode()).isEqualTo(201);
        assertThat(up.body()).contains("sha256:" + hash);

        String yaml = "app: api\natoms:\n  - { name: p, module: ./probe.wasm, kind: reactive, policy: one, routes: [{path: /p}] }\n";
        var dep = t.post("/api/v1/apps", deployJson(yaml, Map.of("./probe.wasm", "sha256:" + hash)));
        assertThat(dep.statusCode()).as(dep.body()).isEqualTo(201);
        assertThat(JSON.readTree(dep.body()).get("app").asText()).isEqualTo("api");

        assertThat(t.post("/apps/api/p", "log 2 hello-log").statusCode()).isEqualTo(200);
        JsonNode atoms = JSON.readTree(t.get("/api/v1/atoms").body());
        JsonNode p = null;
        for (JsonNode a : atoms) {
            if (a.get("definition").asText().equals("p")) {
                p = a;
            }
        }
        assertThat(p).isNotNull();
        assertThat(p.get("kind").asText()).isEqualTo("reactive");
        assertThat(p.get("style").asText()).isEqualTo("handler");
        assertThat(p.get("messages").asLong()).isEqualTo(1);
        assertThat(t.get("/api/v1/atoms/" + p.get("name").asText()).statusCode()).isEqualTo(200);
        assertThat(t.get("/api/v1/logs?atom=api/p").body()).contains("hello-log");
        assertThat(t.get("/api/v1/apps").body()).contains("\"api\"");

        var again = t.post("/api/v1/apps", deployJson(yaml, Map.of("./probe.wasm", "sha256:" + hash)));
        assertThat(again.statusCode()).isEqualTo(409);

        assertThat(t.request("DELETE", "/api/v1/apps/api", null).statusCode()).isEqualTo(200);
        assertThat(t.post("/apps/api/p", "echo x").statusCode()).isEqualTo(404);
        assertThat(t.request("DELETE", "/api/v1/apps/api", null).statusCode()).isEqualTo(404);
    }

    @Test
    void uploadWithAWrongHashIsRefused() throws Exception {
        var r = put("/api/v1/modules/" + "0".repeat(64), "abc".getBytes());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains("hash to");
    }

    @Test
    void deployErrorsComeBackAsJsonWithAHint() throws Exception {
        var r = t.post("/api/v1/apps", deployJson("app: x\natoms:\n  - { name: p, module: nowhere.wasm }\n", Map.of()));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error").asText()).contains("nowhere.wasm").contains("not uploaded");
        assertThat(body.get("hint").asText()).contains("atoll deploy");
        assertThat(t.post("/api/v1/apps", "not json").statusCode()).isEqualTo(400);
    }

    @Test
    void nodeInfoAndMetrics() throws Exception {
        JsonNode info = JSON.readTree(t.get("/api/v1/node").body());
        assertThat(info.get("name").asText()).isEqualTo("test");
        assertThat(info.get("abiVersion").asInt()).isEqualTo(1);
        JsonNode nodes = JSON.readTree(t.get("/api/v1/nodes").body());
        assertThat(nodes).hasSize(1);
        assertThat(nodes.get(0).get("name").asText()).isEqualTo("test");
        assertThat(nodes.get(0).get("state").asText()).isEqualTo("up");
        assertThat(nodes.get(0).get("address").asText()).isEqualTo(t.node.baseUrl());
        t.deploy("app: met\natoms:\n  - { name: m, module: " + t.atom("probe") + " }\n");
        t.send("met/m/0", "echo x");
        t.post("/api/v1/send?to=met/m/0", "trap");
        String metrics = t.get("/metrics").body();
        assertThat(metrics).contains("atoll_node_instances").contains("atoll_atom_messages_total{app=\"met\",atom=\"m\"}")
                .contains("atoll_atom_faults_total{app=\"met\",atom=\"m\"} 1.0")
                .contains("atoll_atom_handler_seconds");
    }

    @Test
    void unknownEndpointsAre404() {
        assertThat(t.get("/api/v1/nothing").statusCode()).isEqualTo(404);
        assertThat(t.post("/api/v1/send", "x").statusCode()).isEqualTo(400);
    }

    @Test
    void interpretedEngineServesTheSameAsCompiled() {
        t.deploy("app: modes\natoms:\n  - { name: i, module: " + t.atom("probe") + ", engine: interpreted }\n"
                + "  - { name: c, module: " + t.atom("probe") + ", engine: compiled }\n");
        for (String cmd : new String[] {"echo same", "kvput k v", "kvget k", "lookup 1 nosuch/", "self", "random 4", "count"}) {
            String i = t.send("modes/i/0", cmd);
            String c = t.send("modes/c/0", cmd);
            if (cmd.startsWith("random")) {
                assertThat(i).hasSize(8).isHexadecimal();
                assertThat(c).hasSize(8).isHexadecimal();
            } else {
                assertThat(i.replace("modes/i/0", "SELF")).isEqualTo(c.replace("modes/c/0", "SELF"));
            }
        }
    }
}
