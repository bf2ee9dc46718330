package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A manifest may name its module by URL; the node downloads and keeps it by hash. */
class ModuleUrlTest {
    @Test
    void deploysAModuleFromAUrl() throws Exception {
        try (TestNode t = TestNode.start()) {
            byte[] wasm = Files.readAllBytes(t.dir.resolve(t.atom("probe")));
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/probe.wasm", ex -> {
                ex.sendResponseHeaders(200, wasm.length);
                ex.getResponseBody().write(wasm);
                ex.close();
            });
            server.start();
            try {
                String base = "http://127.0.0.1:" + server.getAddress().getPort();
                t.deploy("app: u\natoms:\n  - { name: p, module: \"" + base + "/probe.wasm\" }\n");
                assertThat(t.send("u/p/0", "echo fetched")).isEqualTo("fetched");
                assertThatThrownBy(() -> t.deploy("app: v\natoms:\n  - { name: p, module: \"" + base + "/missing.wasm\" }\n"))
                        .hasMessageContaining("answered 404");
            } finally {
                server.stop(0);
            }
        }
    }
}
