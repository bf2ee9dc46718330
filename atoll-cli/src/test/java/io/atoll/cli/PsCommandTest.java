package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class PsCommandTest {
    static final String ATOMS = """
            [
              {"name": "counter/counter/0", "node": "a", "app": "counter", "definition": "counter", "kind": "daemon",
               "style": "loop", "state": "waiting", "aliases": [], "messages": 1042, "faults": 0,
               "restarts": 0, "mailbox": 3, "engine": "compiled", "memoryBytes": 1179648, "createdAt": 1732330000000},
              {"name": "echo/echo/r1", "node": "a", "app": "echo", "definition": "echo", "kind": "reactive",
               "style": "handler", "state": "idle", "aliases": ["greeter"], "messages": 7, "faults": 2,
               "restarts": 1, "mailbox": {"size": 0, "capacity": 1024}, "engine": "interpreted"},
              {"name": "recovery/flaky/0", "node": "b", "kind": "daemon", "state": "running"}
            ]
            """;

    @Test
    void tableIsAlignedWithOneRowPerAtom() throws Exception {
        JsonNode atoms = NodeClient.JSON.readTree(ATOMS);

        assertThat(PsCommand.table(atoms)).isEqualTo("""
                NAME               NODE  KIND      STYLE    STATE    MAILBOX  MSGS  FAULTS  RESTARTS
                counter/counter/0  a     daemon    loop     waiting  3        1042  0       0
                echo/echo/r1       a     reactive  handler  idle     0/1024   7     2       1
                recovery/flaky/0   b     daemon    -        running  -        -     -       -
                """);
    }

    @Test
    void psPrintsTheTableFromTheNode() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/atoms", 200, ATOMS);
            Cli r = Cli.run("ps", "--node", node.url());

            assertThat(r.code()).isZero();
            assertThat(r.out().lines().toList()).hasSize(4);
            assertThat(r.out().lines().findFirst()).hasValueSatisfying(h -> assertThat(h).startsWith("NAME  ").endsWith("RESTARTS"));
            assertThat(r.out()).contains("echo/echo/r1       a     reactive  handler  idle");
        }
    }

    @Test
    void jsonPrintsEveryFieldPretty() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/atoms", 200, ATOMS.replaceAll("\\s+", " "));
            Cli r = Cli.run("ps", "--json", "--node", node.url());

            assertThat(r.code()).isZero();
            assertThat(NodeClient.JSON.readTree(r.out())).isEqualTo(NodeClient.JSON.readTree(ATOMS));
            assertThat(r.out()).startsWith("[\n  {\n    \"name\": \"counter/counter/0\",\n")
                    .contains("    \"memoryBytes\": 1179648,\n")
                    .contains("    \"aliases\": [],\n")
                    .contains("    \"aliases\": [\n      \"greeter\"\n    ],\n");
        }
    }

    @Test
    void noAtomsSaysHowToDeploy() throws Exception {
        try (FakeNode node = new FakeNode()) {
            node.answer("GET /api/v1/atoms", 200, "[]");
            Cli r = Cli.run("ps", "--node", node.url());
            assertThat(r.out()).isEqualTo("no atoms (deploy an application with ./atoll deploy app.yaml)\n");
        }
    }
}
