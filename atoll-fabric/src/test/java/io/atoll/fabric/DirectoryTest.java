package io.atoll.fabric;

import static io.atoll.fabric.Eventually.checkFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.Abi;
import io.atoll.abi.AtollException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two (or three) directories in one JVM, one per node, against one real nats-server. */
@Timeout(30)
class DirectoryTest {
    static final Duration WAIT = Duration.ofSeconds(3);
    /** "Quickly": a change on one node is seen on another in well under this (a watch, not polling). */
    static final Duration QUICK = Duration.ofMillis(500);

    NatsServer server;
    final List<NatsDirectory> opened = new ArrayList<>();
    NatsDirectory n1;
    NatsDirectory n2;

    @BeforeEach
    void start() {
        server = NatsServer.start();
        n1 = open("n1");
        n2 = open("n2");
    }

    @AfterEach
    void stopAll() {
        opened.forEach(NatsDirectory::close);
        server.close();
    }

    NatsDirectory open(String node) {
        NatsDirectory d = new NatsDirectory(server.url(), "directory-" + node);
        opened.add(d);
        return d;
    }

    @Test
    void aNameRegisteredOnOneNodeIsSeenOnTheOtherQuickly() {
        n1.register("shop/cart/1", "n1", Map.of("module", "sha256:abc"));
        assertThat(n1.nodeOf("shop/cart/1")).contains("n1"); // read-your-writes

        Duration took = checkFor(WAIT, "n2 sees shop/cart/1", () -> n2.nodeOf("shop/cart/1").isPresent());
        assertThat(took).isLessThan(QUICK);
        assertThat(n2.nodeOf("shop/cart/1")).contains("n1");
        assertThat(n2.metadataOf("shop/cart/1")).contains(Map.of("module", "sha256:abc"));
        assertThat(n2.lookup("shop", Abi.LOOKUP_EXACT, "cart/1")).containsExactly("shop/cart/1");
        assertThat(n2.lookup("shop", Abi.LOOKUP_EXACT, "shop/cart/1")).containsExactly("shop/cart/1");
        assertThat(n2.lookup("shop", Abi.LOOKUP_PREFIX, "cart/")).containsExactly("shop/cart/1");
        assertThat(n2.lookup("shop", Abi.LOOKUP_REGEX, "cart/\\d+")).containsExactly("shop/cart/1");
        assertThat(n2.nodeOf("shop/cart/2")).isEmpty();
    }

    @Test
    void lookupsMatchTheRuntimeSemanticsOnEveryNode() {
        n1.register("a/worker/1", "n1", Map.of());
        n2.register("a/worker/2", "n2", Map.of());
        n1.register("a/web/1", "n1", Map.of());
        n2.register("b/worker/1", "n2", Map.of());
        n2.register("ab/worker/1", "n2", Map.of()); // "a" is not a prefix of app "ab"
        for (NatsDirectory d : List.of(n1, n2)) {
            checkFor(WAIT, "all five seen", () -> d.nodeOf("ab/worker/1").isPresent()
                    && d.nodeOf("a/worker/1").isPresent() && d.nodeOf("a/worker/2").isPresent()
                    && d.nodeOf("a/web/1").isPresent() && d.nodeOf("b/worker/1").isPresent());

            assertThat(d.lookup("a", Abi.LOOKUP_PREFIX, "worker/")).containsExactly("a/worker/1", "a/worker/2");
            assertThat(d.lookup("a", Abi.LOOKUP_PREFIX, "")).containsExactly("a/web/1", "a/worker/1", "a/worker/2");
            assertThat(d.lookup("a", Abi.LOOKUP_REGEX, "worker/.*"))
                    .containsExactly("a/worker/1", "a/worker/2");
            assertThat(d.lookup("a", Abi.LOOKUP_REGEX, "a/w.*")).containsExactly("a/web/1", "a/worker/1", "a/worker/2");
            // names of app b are invisible from app a, whatever the query
            assertThat(d.lookup("a", Abi.LOOKUP_EXACT, "b/worker/1")).isEmpty();
            assertThat(d.lookup("a", Abi.LOOKUP_REGEX, "b/.*")).isEmpty();
            assertThat(d.lookup("a", Abi.LOOKUP_PREFIX, "b/")).isEmpty();
            assertThat(d.lookup("b", Abi.LOOKUP_REGEX, ".*")).containsExactly("b/worker/1");
            assertThat(d.lookup("b", Abi.LOOKUP_EXACT, "worker/1")).containsExactly("b/worker/1");
            assertThatThrownBy(() -> d.lookup("a", Abi.LOOKUP_REGEX, "(")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.lookup("a", 9, "x")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aliasesWorkAcrossNodes() {
        n1.register("a/worker/1", "n1", Map.of());
        n2.register("a/worker/2", "n2", Map.of());
        n2.register("b/worker/1", "n2", Map.of());
        n1.addAlias("a/worker/1", "workers");
        n2.addAlias("a/worker/2", "workers");
        n2.addAlias("b/worker/1", "workers"); // same alias, other app
        n1.addAlias("a/worker/1", "odd alias: ü*>."); // any characters

        for (NatsDirectory d : List.of(n1, n2)) {
            checkFor(WAIT, "both workers aliased", () -> d.aliasMembers("a", "workers").size() == 2
                    && d.aliasMembers("b", "workers").size() == 1 && d.aliasesOf("a/worker/1").size() == 2);
            assertThat(d.aliasMembers("a", "workers")).containsExactly("a/worker/1", "a/worker/2");
            assertThat(d.lookup("a", Abi.LOOKUP_ALIAS, "workers")).containsExactly("a/worker/1", "a/worker/2");
            assertThat(d.aliasMembers("b", "workers")).containsExactly("b/worker/1");
            assertThat(d.aliasMembers("a", "odd alias: ü*>.")).containsExactly("a/worker/1");
        }

        assertThat(n2.removeAlias("a/worker/1", "workers")).isTrue(); // any node may change aliases
        assertThat(n2.removeAlias("a/worker/1", "workers")).isFalse();
        assertThat(n2.aliasMembers("a", "workers")).containsExactly("a/worker/2");
        checkFor(WAIT, "alias removal seen on n1", () -> n1.aliasMembers("a", "workers").equals(List.of("a/worker/2")));

        assertThatThrownBy(() -> n1.addAlias("a/nobody/1", "workers"))
                .isInstanceOf(AtollException.class).hasMessageContaining("no such name");
    }

    @Test
    void aNameOwnedByAnotherNodeIsRefusedButTheOwnerMayRegisterAgain() {
        n1.register("a/db/1", "n1", Map.of("v", "1"));
        n1.addAlias("a/db/1", "db");
        // n2 is refused even before its watch has caught up: the store decides, not the cache
        assertThatThrownBy(() -> n2.register("a/db/1", "n2", Map.of()))
                .isInstanceOf(AtollException.class)
                .hasMessageContaining("a/db/1").hasMessageContaining("already registered by node n1");

        n1.register("a/db/1", "n1", Map.of("v", "2")); // idempotent for the owner; aliases kept
        assertThat(n1.metadataOf("a/db/1")).contains(Map.of("v", "2"));
        assertThat(n1.aliasesOf("a/db/1")).containsExactly("db");
        checkFor(WAIT, "n2 sees v2", () -> n2.metadataOf("a/db/1").equals(Optional.of(Map.of("v", "2"))));
        assertThat(n2.nodeOf("a/db/1")).contains("n1");
    }

    @Test
    void unregisterPropagatesAndFreesTheName() {
        n1.register("a/job/1", "n1", Map.of());
        n1.addAlias("a/job/1", "jobs");
        checkFor(WAIT, "n2 sees a/job/1", () -> n2.nodeOf("a/job/1").isPresent());

        n1.unregister("a/job/1");
        assertThat(n1.nodeOf("a/job/1")).isEmpty();
        n1.unregister("a/job/1"); // idempotent
        Duration took = checkFor(WAIT, "n2 sees it gone", () -> n2.nodeOf("a/job/1").isEmpty());
        assertThat(took).isLessThan(QUICK);
        assertThat(n2.aliasMembers("a", "jobs")).isEmpty();
        assertThat(n2.lookup("a", Abi.LOOKUP_PREFIX, "job/")).isEmpty();

        n2.register("a/job/1", "n2", Map.of()); // free again, for anyone
        assertThat(n2.nodeOf("a/job/1")).contains("n2");
        assertThat(n2.aliasesOf("a/job/1")).isEmpty();
        checkFor(WAIT, "n1 sees n2 own it", () -> n1.nodeOf("a/job/1").equals(Optional.of("n2")));
    }

    @Test
    void unregisterNodeDropsEveryEntryOfThatNodeOnly() {
        n1.register("a/x/1", "n1", Map.of());
        n1.register("a/x/2", "n1", Map.of());
        n1.register("b/y/1", "n1", Map.of());
        n2.register("a/x/3", "n2", Map.of());
        n1.addAlias("a/x/1", "xs");
        n2.addAlias("a/x/3", "xs");
        checkFor(WAIT, "n2 sees n1's names", () -> n2.nodeOf("b/y/1").isPresent() && n2.aliasesOf("a/x/1").size() == 1);

        // n1 died: n2 cleans up after it
        assertThat(n2.unregisterNode("n1")).containsExactly("a/x/1", "a/x/2", "b/y/1");
        assertThat(n2.lookup("a", Abi.LOOKUP_PREFIX, "x/")).containsExactly("a/x/3");
        assertThat(n2.aliasMembers("a", "xs")).containsExactly("a/x/3");
        assertThat(n2.unregisterNode("n1")).isEmpty(); // idempotent
        checkFor(WAIT, "n1's copy agrees", () -> n1.lookup("a", Abi.LOOKUP_PREFIX, "").equals(List.of("a/x/3"))
                && n1.lookup("b", Abi.LOOKUP_PREFIX, "").isEmpty());
    }

    @Test
    void releaseAndTakeOverOnlyActForTheOwnerTheyName() {
        n1.register("a/d/0", "n1", Map.of("state", "running"));
        n1.addAlias("a/d/0", "ds");
        checkFor(WAIT, "n2 sees a/d/0", () -> n2.nodeOf("a/d/0").isPresent());

        assertThat(n2.takeOver("a/d/0", "n3", "n2", Map.of())).isFalse(); // n3 does not own it
        assertThat(n2.takeOver("a/d/0", "n1", "n2", Map.of("state", "running"))).isTrue();
        assertThat(n2.nodeOf("a/d/0")).contains("n2");
        assertThat(n2.aliasesOf("a/d/0")).containsExactly("ds"); // aliases kept
        assertThat(n1.takeOver("a/d/0", "n1", "n1", Map.of())).isFalse(); // too late: n2 has it

        checkFor(WAIT, "n1 sees the move", () -> n1.nodeOf("a/d/0").equals(java.util.Optional.of("n2")));
        assertThat(n1.release("a/d/0", "n1")).isFalse(); // must not remove n2's registration
        assertThat(n2.nodeOf("a/d/0")).contains("n2");
        assertThat(n2.release("a/d/0", "n2")).isTrue();
        assertThat(n2.nodeOf("a/d/0")).isEmpty();
        assertThat(n2.takeOver("a/d/0", "n2", "n1", Map.of())).isFalse(); // absent
    }

    @Test
    void aResyncKeepsTheCopyAndTheWatchGoingOn() {
        n1.register("a/x/1", "n1", Map.of());
        n1.addAlias("a/x/1", "xs");
        checkFor(WAIT, "n2 sees it", () -> n2.aliasMembers("a", "xs").size() == 1);
        n2.resync();
        assertThat(n2.nodeOf("a/x/1")).contains("n1");
        assertThat(n2.aliasMembers("a", "xs")).containsExactly("a/x/1");
        n1.unregister("a/x/1");
        n1.register("a/x/2", "n1", Map.of());
        checkFor(WAIT, "n2 follows after the resync", () -> n2.nodeOf("a/x/2").isPresent() && n2.nodeOf("a/x/1").isEmpty());
    }

    @Test
    void aNodeStartedLaterSeesExistingEntriesAtOnce() {
        n1.register("a/x/1", "n1", Map.of("k", "v"));
        n2.register("a/x/2", "n2", Map.of());
        n2.addAlias("a/x/2", "xs");
        n1.register("a/gone/1", "n1", Map.of());
        n1.unregister("a/gone/1");

        NatsDirectory n3 = open("n3");
        // no waiting: the constructor returned only after the initial load
        assertThat(n3.lookup("a", Abi.LOOKUP_PREFIX, "")).containsExactly("a/x/1", "a/x/2");
        assertThat(n3.nodeOf("a/x/1")).contains("n1");
        assertThat(n3.metadataOf("a/x/1")).contains(Map.of("k", "v"));
        assertThat(n3.aliasMembers("a", "xs")).containsExactly("a/x/2");
    }

    @Test
    void keysSurviveAnyCharacters() {
        for (String name : List.of("a/def/inst-1", "a/b_c/d.e", "a/ü/*>")) {
            assertThat(NatsDirectory.decode(NatsDirectory.key(name).substring(2))).isEqualTo(name);
        }
        assertThat(NatsDirectory.key("shop/cart/1")).isEqualTo("n.shop/cart/1");
        n1.register("a/b_c/d.e", "n1", Map.of());
        checkFor(WAIT, "odd name seen", () -> n2.nodeOf("a/b_c/d.e").isPresent());
    }

    @Test
    void anUnreachableFabricFailsFastWithAHint() {
        int port = server.port();
        server.close();
        long start = System.nanoTime();
        assertThatThrownBy(() -> new NatsDirectory("nats://127.0.0.1:" + port, "x"))
                .isInstanceOf(AtollException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
