package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UndeployCommandTest {

    @Test
    void undeployDeletesTheApp() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("DELETE /api/v1/apps/shop", 200, "");
            Cli r = Cli.run("undeploy", "shop", "--node", node.url());

            assertThat(r.code()).isZero();
            assertThat(r.out()).isEqualTo("undeployed shop\n");
            assertThat(node.requests).extracting(FakeNode.Request::method, FakeNode.Request::path)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("DELETE", "/api/v1/apps/shop"));
        }
    }

    @Test
    void unknownAppPointsToPs() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("DELETE /api/v1/apps/nope", 404, "{\"error\":\"no application named 'nope'\"}");
            Cli r = Cli.run("undeploy", "nope", "--node", node.url());

            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err().lines()).containsExactly(
                    "error: no application named 'nope'",
                    "hint: ./atoll ps lists the applications (the first part of each atom's name)");
        }
    }
}
