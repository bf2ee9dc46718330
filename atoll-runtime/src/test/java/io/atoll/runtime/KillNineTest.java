package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.atoll.engine.WasmEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Acknowledged writes survive kill -9 of the node process, and the application comes back. */
class KillNineTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(String base, String method, String path, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void acknowledgedWritesSurviveKillNine() throws Exception {
        Path dir = Files.createTempDirectory("atoll-kill9");
        byte[] probe;
        try (var in = getClass().getResourceAsStream("/atoms/probe.wasm")) {
            probe = in.readAllBytes();
        }
        String hash = WasmEngine.sha256(probe);
        List<String> acknowledged = new ArrayList<>();
        NodeProcess node = NodeProcess.start(dir.resolve("data"), dir.resolve("node1.log"));
        try {
            assertThat(call(node.baseUrl(), "PUT", "/api/v1/modules/" + hash, probe).statusCode()).isEqualTo(201);
            String yaml = "app: kv\natoms:\n  - { name: store, module: probe.wasm, instances: 4 }\n";
            String deploy = new ObjectMapper().writeValueAsString(Map.of("manifest", yaml, "file", "app.yaml", "modules", Map.of("probe.wasm", "sha256:" + hash)));
            assertThat(call(node.baseUrl(), "POST", "/api/v1/apps", deploy.getBytes()).statusCode()).isEqualTo(201);
            // concurrent writers through four instances, so that writes share synced batches
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<String>> writes = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String key = "k" + i;
                String to = "kv/store/" + (i % 4);
                writes.add(pool.submit(() -> call(node.baseUrl(), "POST", "/api/v1/send?to=" + to, ("kvput " + key + " v" + key).getBytes())
                        .body().equals("ok") ? key : null));
            }
            for (Future<String> f : writes) {
                if (f.get() != null) {
                    acknowledged.add(f.get());
                }
            }
            pool.shutdown();
        } finally {
            node.kill();
        }
        assertThat(acknowledged).hasSize(400);

        NodeProcess again = NodeProcess.start(dir.resolve("data"), dir.resolve("node2.log"));
        try {
            for (String key : acknowledged) {
                var r = call(again.baseUrl(), "POST", "/api/v1/send?to=kv/store/0", ("kvget " + key).getBytes());
                assertThat(r.body()).as(key).isEqualTo("v" + key);
            }
        } finally {
            again.kill();
        }
    }
}
