package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @TempDir
    Path home;

    @Test
    void findsEveryExampleManifestSorted() throws Exception {
        Path echo = example("echo", "app: echo\n");
        Path counter = example("counter", "app: counter\n");
        Files.createDirectories(home.resolve("examples/no-manifest"));
        Files.writeString(home.resolve("examples/README.md"), "# examples\n");

        assertThat(DemoCommand.exampleManifests(home)).containsExactly(counter, echo);
    }

    @Test
    void noExamplesIsAnErrorWithAHint() throws Exception {
        Files.createDirectories(home.resolve("examples"));
        assertThatThrownBy(() -> DemoCommand.exampleManifests(home))
                .isInstanceOfSatisfying(AtollException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("no example applications (examples/*/app.yaml) under "
                            + home.resolve("examples"));
                    assertThat(e.hint()).contains("./atoll demo");
                });
    }

    @Test
    void curlCommandsFollowTheRoutesAndTheirMethods() throws Exception {
        Path m = example("shop", """
                app: shop
                atoms:
                  - name: cart
                    module: cart.wasm
                    routes:
                      - { path: /cart, methods: [GET, POST] }
                      - { path: stock, methods: [GET] }
                  - name: admin
                    module: admin.wasm
                    routes:
                      - { path: /admin }
                      - { path: /purge, methods: [delete] }
                  - name: worker
                    module: worker.wasm
                """);

        assertThat(DemoCommand.curlCommands("http://127.0.0.1:8080", m)).containsExactly(
                "curl -d hello http://127.0.0.1:8080/apps/shop/cart",
                "curl http://127.0.0.1:8080/apps/shop/cart",
                "curl http://127.0.0.1:8080/apps/shop/stock",
                "curl -d hello http://127.0.0.1:8080/apps/shop/admin",
                "curl -X DELETE -d hello http://127.0.0.1:8080/apps/shop/purge");
    }

    @Test
    void tryCommentsReplaceTheGeneratedCommands() throws Exception {
        Path m = example("sensor", """
                # The sensor example.
                # try: curl -d 21.5 http://127.0.0.1:8080/apps/sensor/readings
                #try:   curl http://127.0.0.1:8080/apps/sensor/readings
                app: sensor
                atoms:
                  - { name: sensor, module: s.wasm, routes: [ { path: /readings } ] }
                """);

        assertThat(DemoCommand.curlCommands("http://127.0.0.1:9999", m)).containsExactly(
                "curl -d 21.5 http://127.0.0.1:9999/apps/sensor/readings",
                "curl http://127.0.0.1:9999/apps/sensor/readings");
    }

    @Test
    void bannerListsAppsUrlsAndManagementCommands() throws Exception {
        Path echo = example("echo", """
                app: echo
                atoms:
                  - { name: echo, module: echo.wasm, routes: [ { path: /echo } ] }
                """);
        String banner = DemoCommand.banner("http://127.0.0.1:9090", Path.of("/tmp/atoll-demo-1"), true,
                List.of(new DemoCommand.Deployed(echo, List.of("echo/echo/0"))), 2);

        assertThat(banner).contains("Atoll demo node listening on http://127.0.0.1:9090 (data: /tmp/atoll-demo-1, deleted at exit)")
                .contains("deployed 1 of 2 example applications:\n  echo: echo/echo/0\n")
                .contains("  curl -d hello http://127.0.0.1:9090/apps/echo/echo\n")
                .contains("  ./atoll ps --node http://127.0.0.1:9090\n")
                .contains("  ./atoll send echo/echo/0 hello --node http://127.0.0.1:9090\n")
                .contains("Ctrl-C stops the node");
    }

    private Path example(String name, String yaml) throws Exception {
        Path dir = Files.createDirectories(home.resolve("examples").resolve(name));
        return Files.writeString(dir.resolve("app.yaml"), yaml);
    }
}
