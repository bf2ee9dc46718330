package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The node store seen by atoms: RocksDB, namespaced per application, durable across restarts. */
class StorageTest {
    @Test
    void applicationsCannotSeeEachOthersKeys() {
        try (TestNode t = TestNode.start()) {
            String probe = t.atom("probe");
            t.deploy("app: a\natoms:\n  - { name: s, module: " + probe + " }\n");
            t.deploy("app: b\natoms:\n  - { name: s, module: " + probe + " }\n");
            assertThat(t.send("a/s/0", "kvput color red")).isEqualTo("ok");
            assertThat(t.send("b/s/0", "kvput color blue")).isEqualTo("ok");
            assertThat(t.send("a/s/0", "kvget color")).isEqualTo("red");
            assertThat(t.send("b/s/0", "kvget color")).isEqualTo("blue");
            assertThat(t.send("a/s/0", "kvscan ")).isEqualTo("color=red");
            assertThat(t.send("b/s/0", "kvdel color")).isEqualTo("ok");
            assertThat(t.send("b/s/0", "kvget color")).isEqualTo("notfound");
            assertThat(t.send("a/s/0", "kvget color")).isEqualTo("red");
        }
    }

    @Test
    void scanIsSortedAndLimitedToThePrefix() {
        try (TestNode t = TestNode.start()) {
            t.deploy("app: a\natoms:\n  - { name: s, module: " + t.atom("probe") + " }\n");
            for (String k : new String[] {"user:3", "user:1", "order:1", "user:2"}) {
                assertThat(t.send("a/s/0", "kvput " + k + " v" + k)).isEqualTo("ok");
            }
            assertThat(t.send("a/s/0", "kvscan user:")).isEqualTo("user:1=vuser:1\nuser:2=vuser:2\nuser:3=vuser:3");
        }
    }

    @Test
    void storageNeedsTheCapability() {
        try (TestNode t = TestNode.start()) {
            t.deploy("app: a\natoms:\n  - { name: s, module: " + t.atom("probe") + ", capabilities: [] }\n");
            assertThat(t.send("a/s/0", "kvput k v")).isEqualTo("EDENIED");
        }
    }

    @Test
    void dataAndApplicationsSurviveANodeRestart() {
        TestNode t = TestNode.start();
        t.deploy("app: a\natoms:\n  - { name: s, module: " + t.atom("probe") + " }\n");
        assertThat(t.send("a/s/0", "kvput k durable")).isEqualTo("ok");
        t.close();
        t.node = Node.start(t.node.config());
        try {
            TestNode.await(java.time.Duration.ofSeconds(5), "redeployed", () -> t.node.core().atom("a/s/0") != null);
            assertThat(t.send("a/s/0", "kvget k")).isEqualTo("durable");
        } finally {
            t.close();
        }
    }
}
