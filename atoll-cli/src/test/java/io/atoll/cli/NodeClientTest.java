package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeClientTest {

    @Test
    void apiErrorBodyBecomesMessageAndHint() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/atoms", 409, "{\"error\":\"app shop exists\",\"hint\":\"undeploy it first\"}");
            NodeClient client = new NodeClient(node.url(), null);

            assertThatThrownBy(() -> client.getJson("/api/v1/atoms"))
                    .isInstanceOfSatisfying(AtollException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("app shop exists");
                        assertThat(e.hint()).isEqualTo("undeploy it first");
                    });
        }
    }

    @Test
    void unauthorizedWithoutHintSuggestsTheToken() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/atoms", 401, "{\"error\":\"a token is required\"}");
            NodeClient client = new NodeClient(node.url(), null);

            assertThatThrownBy(() -> client.getJson("/api/v1/atoms"))
                    .isInstanceOfSatisfying(AtollException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("a token is required");
                        assertThat(e.hint()).contains("--token").contains("ATOLL_TOKEN");
                    });
        }
    }

    @Test
    void nonJsonErrorsAreDescribed() {
        AtollException e = NodeClient.apiError(404, "Not Found".getBytes(StandardCharsets.UTF_8), "GET /api/v1/atoms");
        assertThat(e.getMessage()).isEqualTo("GET /api/v1/atoms: the node answered HTTP 404 (Not Found)");
        assertThat(e.hint()).contains("Atoll node");
    }

    @Test
    void tokenIsSentAsBearerAndOnlyWhenGiven() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/atoms", 200, "[]");
            new NodeClient(node.url(), "s3cret").getJson("/api/v1/atoms");
            new NodeClient(node.url() + "/", " ").getJson("/api/v1/atoms");

            assertThat(node.requests).hasSize(2);
            assertThat(node.requests.get(0).authorization()).isEqualTo("Bearer s3cret");
            assertThat(node.requests.get(1).authorization()).isNull();
            assertThat(node.requests.get(1).path()).isEqualTo("/api/v1/atoms");
        }
    }

    @Test
    void addressWithoutSchemeMeansHttpAndTrailingSlashIsDropped() {
        assertThat(new NodeClient("10.0.0.5:8080/", null).baseUrl()).isEqualTo("http://10.0.0.5:8080");
    }

    @Test
    void queryValuesAreEncoded() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("to", "shop/cart/0");
        p.put("wait", "2000ms");
        p.put("skip", null);
        assertThat(NodeClient.query("/api/v1/send", p)).isEqualTo("/api/v1/send?to=shop%2Fcart%2F0&wait=2000ms");
        assertThat(NodeClient.query("/x", Map.of())).isEqualTo("/x");
    }
}
