package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Atom-to-atom messaging, naming and look-ups on a real node. */
class MessagingTest {
    static TestNode t;

    @BeforeAll
    static void start() {
        t = TestNode.start();
        String probe = t.atom("probe");
        t.deploy("""
                app: msg
                atoms:
                  - { name: sink, module: %1$s, limits: { mailbox: 100000 } }
                  - { name: sender, module: %1$s, instances: 4 }
                  - { name: sub, module: %1$s, instances: 3, aliases: [news] }
                  - { name: tiny, module: %1$s, limits: { mailbox: 2 } }
                  - { name: terse, module: %1$s, limits: { max-message: 16 } }
                """.formatted(probe));
        t.deploy("""
                app: other
                atoms:
                  - { name: sub, module: %s, aliases: [news] }
                """.formatted(probe));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void fifoOrderHoldsPerSenderUnderConcurrentSenders() throws Exception {
        int n = 500;
        var pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int s = i;
                sent.add(pool.submit(() -> t.send("msg/sender/" + s, "fifo sink " + n)));
            }
            for (Future<String> f : sent) {
                assertThat(f.get()).isEqualTo("sent " + n);
            }
        } finally {
            pool.shutdown();
        }
        String expected = IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(" "));
        for (int i = 0; i < 4; i++) {
            String sender = "msg/sender/" + i;
            TestNode.await(Duration.ofSeconds(10), "all seqs from " + sender,
                    () -> t.send("msg/sink", "seqs " + sender).split(" ").length == n);
            assertThat(t.send("msg/sink", "seqs " + sender)).isEqualTo(expected);
        }
    }

    @Test
    void oneToManyReachesEveryAliasHolderOfTheSameApplicationOnly() {
        assertThat(t.send("msg/sender/0", "sendalias news hello-all")).isEqualTo("3 OK");
        for (int i = 0; i < 3; i++) {
            String sub = "msg/sub/" + i;
            TestNode.await(Duration.ofSeconds(5), sub + " got it", () -> t.send(sub, "inbox").contains("hello-all"));
        }
        assertThat(t.send("other/sub/0", "inbox")).doesNotContain("hello-all");
    }

    @Test
    void patternSendReachesMatchingNames() {
        assertThat(t.send("msg/sender/1", "sendpattern sub/[01] to-two")).isEqualTo("2 OK");
    }

    @Test
    void lookupsByExactPrefixAliasAndRegexSeeOnlyTheirApplication() {
        assertThat(t.send("msg/sender/0", "lookup 0 sink/0")).isEqualTo("msg/sink/0");
        assertThat(t.send("msg/sender/0", "lookup 0 nosuch")).isEmpty();
        assertThat(t.send("msg/sender/0", "lookup 1 sub/")).isEqualTo("msg/sub/0\nmsg/sub/1\nmsg/sub/2");
        assertThat(t.send("msg/sender/0", "lookup 2 news")).isEqualTo("msg/sub/0\nmsg/sub/1\nmsg/sub/2");
        assertThat(t.send("msg/sender/0", "lookup 3 s[a-z]+/[02]")).isEqualTo("msg/sender/0\nmsg/sender/2\nmsg/sink/0\nmsg/sub/0\nmsg/sub/2");
        assertThat(t.send("msg/sender/0", "lookup 0 other/sub/0")).isEmpty();
        assertThat(t.send("msg/sender/0", "lookup 3 ((")).isEqualTo("EINVAL");
    }

    @Test
    void aliasesCanBeAddedAndRemovedAtRunTime() {
        assertThat(t.send("msg/sink/0", "alias special")).isEqualTo("ok");
        assertThat(t.send("msg/sender/0", "lookup 2 special")).isEqualTo("msg/sink/0");
        assertThat(t.send("msg/sink/0", "unalias special")).isEqualTo("ok");
        assertThat(t.send("msg/sender/0", "lookup 2 special")).isEmpty();
        assertThat(t.send("msg/sink/0", "unalias special")).isEqualTo("ENOTFOUND");
    }

    @Test
    void sendingToAMissingNameIsAClearErrorAndNothingElseBreaks() {
        assertThat(t.send("msg/sender/0", "send nosuch/0 hi")).isEqualTo("-1 ENOTFOUND");
        assertThat(t.send("msg/sender/0", "send other/sub/0 hi")).isEqualTo("-1 ENOTFOUND");
        assertThat(t.send("msg/sender/0", "echo fine")).isEqualTo("fine");
        var r = t.post("/api/v1/send?to=msg/nosuch", "x");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("no atom named 'msg/nosuch'");
    }

    @Test
    void anOversizedSendIsRefusedWithETooBig() {
        assertThat(t.send("msg/terse/0", "send sink/0 " + "x".repeat(40))).isEqualTo("-4 ETOOBIG");
        assertThat(t.send("msg/terse/0", "send sink/0 short")).isEqualTo("1 OK");
    }

    @Test
    void aFullMailboxRefusesInsteadOfBlocking() {
        // tiny has room for 2: keep it busy, then flood it
        assertThat(t.post("/api/v1/send?to=msg/tiny/0&wait=0", "busy 3000").statusCode()).isEqualTo(202);
        TestNode.await(Duration.ofSeconds(5), "tiny busy", () -> t.node.core().atom("msg/tiny/0").state().label().equals("running"));
        assertThat(t.send("msg/sender/0", "send tiny/0 a")).isEqualTo("1 OK");
        assertThat(t.send("msg/sender/0", "send tiny/0 b")).isEqualTo("1 OK");
        assertThat(t.send("msg/sender/0", "send tiny/0 c")).isEqualTo("-3 EFULL");
    }

    @Test
    void spawnCreatesReactiveInstancesOnly() {
        t.deploy("""
                app: spawner
                atoms:
                  - { name: boss, module: %1$s }
                  - { name: worker, module: %1$s, kind: reactive, policy: round-robin(1000) }
                """.formatted(t.atom("probe")));
        String name = t.send("spawner/boss/0", "spawn worker");
        assertThat(name).matches("spawner/worker/r\\d+");
        assertThat(t.send(name, "self")).isEqualTo(name);
        assertThat(t.send("spawner/boss/0", "spawn boss")).isEqualTo("EINVAL");
    }
}
