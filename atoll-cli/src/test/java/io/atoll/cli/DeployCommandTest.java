package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.atoll.abi.AtollException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployCommandTest {
    static final String MANIFEST = """
            app: shop
            atoms:
              - name: cart
                module: ../target/wasm/cart.wasm
                kind: reactive
                routes:
                  - { path: /cart, methods: [GET, POST] }
              - name: audit
                module: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
              - name: cart-shadow
                module: ../target/wasm/cart.wasm
              - name: billing
                module: billing.wasm
            """;

    @TempDir
    Path tmp;

    @Test
    void findsEveryModuleReferenceOnceInOrder() {
        assertThat(DeployCommand.moduleReferences(MANIFEST, "app.yaml")).containsExactly(
                "../target/wasm/cart.wasm",
                "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "billing.wasm");
    }

    @Test
    void invalidManifestIsRefusedBeforeAnyUploadNamingFileAndLine() {
        assertThatThrownBy(() -> DeployCommand.moduleReferences("app: shop\natoms: [\n  - {name: x\n", "shop/app.yaml"))
                .isInstanceOf(AtollException.class)
                .hasMessageStartingWith("shop/app.yaml:")
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> DeployCommand.moduleReferences("app: shop\natoms:\n  - name: cart\n", "app.yaml"))
                .isInstanceOf(AtollException.class)
                .hasMessageStartingWith("app.yaml:3: atoms[0].module: missing 'module'");
    }

    @Test
    void sha256IsTheStandardDigestInLowerCaseHex() {
        assertThat(DeployCommand.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(DeployCommand.sha256Hex(new byte[0]))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void modulePathsAreResolvedAgainstTheManifestsDirectoryAndHashed() throws Exception {
        Path appDir = writeShop();
        List<DeployCommand.LocalModule> modules = DeployCommand.localModules(MANIFEST, "app.yaml", appDir);

        assertThat(modules).extracting(DeployCommand.LocalModule::reference)
                .containsExactly("../target/wasm/cart.wasm", "billing.wasm");
        assertThat(modules.get(0).path()).isEqualTo(tmp.resolve("target/wasm/cart.wasm"));
        assertThat(modules.get(0).bytes()).isEqualTo(cartBytes());
        assertThat(modules.get(0).sha256()).isEqualTo(DeployCommand.sha256Hex(cartBytes()));
        assertThat(modules.get(1).sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void missingModuleIsNamed() throws Exception {
        Path appDir = Files.createDirectories(tmp.resolve("shop"));
        assertThatThrownBy(() -> DeployCommand.localModules(MANIFEST, "shop/app.yaml", appDir))
                .isInstanceOfSatisfying(AtollException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("shop/app.yaml: module file not found: ../target/wasm/cart.wasm"
                            + " (looked for " + tmp.resolve("target/wasm/cart.wasm") + ")");
                    assertThat(e.hint()).contains("build the module");
                });
    }

    @Test
    void missingManifestIsNamed() {
        Cli r = Cli.run("deploy", tmp.resolve("nope.yaml").toString(), "--node", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines().findFirst()).contains("error: no such file: " + tmp.resolve("nope.yaml"));
    }

    @Test
    void deployUploadsModulesThenPostsTheManifest() throws Exception {
        Path appDir = writeShop();
        String cartHash = DeployCommand.sha256Hex(cartBytes());
        String emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        try (FakeNode node = new FakeNode()) {
            node.answer("PUT /api/v1/modules/" + cartHash, 201, "{\"module\":\"sha256:" + cartHash + "\"}");
            node.answer("PUT /api/v1/modules/" + emptyHash, 201, "{\"module\":\"sha256:" + emptyHash + "\"}");
            node.answer("POST /api/v1/apps", 201, "{\"app\":\"shop\",\"atoms\":[\"shop/cart\",\"shop/audit/0\"]}");

            String given = appDir.resolve("app.yaml").toString();
            Cli r = Cli.run("deploy", given, "--node", node.url());

            assertThat(r.err()).isEmpty();
            assertThat(r.code()).isZero();
            assertThat(node.requests).extracting(FakeNode.Request::method)
                    .containsExactly("PUT", "PUT", "POST");
            assertThat(node.requests.get(0).path()).isEqualTo("/api/v1/modules/" + cartHash);
            assertThat(node.requests.get(0).body()).isEqualTo(cartBytes());
            assertThat(node.requests.get(1).path()).isEqualTo("/api/v1/modules/" + emptyHash);

            JsonNode body = NodeClient.JSON.readTree(node.requests.get(2).body());
            assertThat(body.get("manifest").asText()).isEqualTo(MANIFEST);
            assertThat(body.get("file").asText()).isEqualTo(given);
            assertThat(body.get("modules").size()).isEqualTo(2);
            assertThat(body.get("modules").get("../target/wasm/cart.wasm").asText()).isEqualTo("sha256:" + cartHash);
            assertThat(body.get("modules").get("billing.wasm").asText()).isEqualTo("sha256:" + emptyHash);

            assertThat(r.out()).contains("deployed shop: 2 atoms")
                    .contains("  shop/cart\n")
                    .contains("  shop/audit/0\n")
                    .contains("ingress: " + node.url() + "/apps/shop/");
        }
    }

    @Test
    void deployReportsTheNodesRefusal() throws Exception {
        Path appDir = writeShop();
        try (FakeNode node = new FakeNode()) {
            node.answer("PUT /api/v1/modules/" + DeployCommand.sha256Hex(cartBytes()), 201, "{}");
            node.answer("PUT /api/v1/modules/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 201, "{}");
            node.answer("POST /api/v1/apps", 400,
                    "{\"error\":\"app.yaml:5: atoms[0].kind: 'reactiv' is not one of daemon, reactive\","
                    + "\"hint\":\"see docs/manifest.md\"}");

            Cli r = Cli.run("deploy", appDir.resolve("app.yaml").toString(), "--node", node.url());

            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err().lines()).containsExactly(
                    "error: app.yaml:5: atoms[0].kind: 'reactiv' is not one of daemon, reactive",
                    "hint: see docs/manifest.md");
        }
    }

    private Path writeShop() throws Exception {
        Path appDir = Files.createDirectories(tmp.resolve("shop"));
        Files.writeString(appDir.resolve("app.yaml"), MANIFEST);
        Files.createDirectories(tmp.resolve("target/wasm"));
        Files.write(tmp.resolve("target/wasm/cart.wasm"), cartBytes());
        Files.write(appDir.resolve("billing.wasm"), new byte[0]);
        return appDir;
    }

    private static byte[] cartBytes() {
        return new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0};
    }
}
