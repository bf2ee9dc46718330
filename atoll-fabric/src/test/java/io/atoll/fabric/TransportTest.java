package io.atoll.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.ErrorCode;
import io.nats.client.Connection;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two nodes, each with its own connection and transport, against one real nats-server. */
@Timeout(30)
class TransportTest {
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final int EUNREACHABLE = ErrorCode.EUNREACHABLE.code();

    NatsServer server;
    Connection nc1;
    Connection nc2;
    NatsTransport t1;
    NatsTransport t2;
    /** What n2 received, in order: "target|message". */
    final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = NatsServer.start();
        nc1 = NatsConnect.open(server.url(), "transport-n1");
        nc2 = NatsConnect.open(server.url(), "transport-n2");
        t1 = new NatsTransport(nc1);
        t2 = new NatsTransport(nc2);
        t1.serve("n1", (target, message) -> 0);
        t2.serve("n2", (target, message) -> {
            received.add(target + "|" + new String(message, StandardCharsets.UTF_8));
            return message.length;
        });
    }

    @AfterEach
    void stop() throws InterruptedException {
        t1.close();
        t2.close();
        nc1.close();
        nc2.close();
        server.close();
    }

    int send(Transport from, String node, String target, String message) throws Exception {
        return from.send(node, target, message.getBytes(StandardCharsets.UTF_8), TIMEOUT)
                .get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    @Test
    void theRemoteAnswerComesBack() throws Exception {
        assertThat(send(t1, "n2", "shop/cart/1", "hello")).isEqualTo(5);
        // Targets with any character arrive intact (they travel escaped in a header).
        String odd = "shop/caf\u00e9 %41\n/x";
        assertThat(send(t1, "n2", odd, "")).isZero();
        assertThat(received).containsExactly("shop/cart/1|hello", odd + "|");
        assertThat(send(t2, "n1", "a/b/c", "x")).isZero(); // and the other way round
    }

    @Test
    void anInboundMayAnswerLaterAndTheSenderWaitsForIt() throws Exception {
        java.util.concurrent.CompletableFuture<Integer> later = new java.util.concurrent.CompletableFuture<>();
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serve("n3", new Transport.Inbound() {
                @Override
                public int deliver(String target, byte[] message) {
                    throw new AssertionError("deliverLater is the one called");
                }

                @Override
                public java.util.concurrent.CompletableFuture<Integer> deliverLater(String target, byte[] message) {
                    return target.equals("now") ? java.util.concurrent.CompletableFuture.completedFuture(7) : later;
                }
            });
            var pending = t1.send("n3", "later", new byte[0], TIMEOUT);
            assertThat(send(t1, "n3", "now", "")).isEqualTo(7); // the dispatcher is not held up meanwhile
            assertThat(pending).isNotDone();
            later.complete(42);
            assertThat(pending.get(2, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void controlCallsCarryBodiesAndErrorsBothWays() throws Exception {
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serveCalls("n3", (op, body) -> {
                if (op.equals("fail")) {
                    throw new io.atoll.abi.AtollException("no such thing here", null);
                }
                Thread.sleep(50); // calls may block: they run on threads of their own
                return (op + ":" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            });
            byte[] big = new byte[200_000];
            java.util.Arrays.fill(big, (byte) 'x');
            assertThat(new String(t1.call("n3", "echo", "hi".getBytes(StandardCharsets.UTF_8), TIMEOUT).get(5, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8)).isEqualTo("echo:hi");
            assertThat(t1.call("n3", "echo", big, TIMEOUT).get(5, TimeUnit.SECONDS)).hasSize(200_005);
            assertThatThrownBy(() -> t1.call("n3", "fail", new byte[0], TIMEOUT).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.atoll.abi.AtollException.class).hasMessageContaining("no such thing here");
            assertThatThrownBy(() -> t1.call("nobody", "echo", new byte[0], TIMEOUT).get(5, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(io.atoll.abi.AtollException.class).hasMessageContaining("cannot be reached");
        }
    }

    @Test
    void anUnknownNodeIsUnreachableAtOnce() throws Exception {
        long start = System.nanoTime();
        assertThat(send(t1, "nobody", "a/b/c", "x")).isEqualTo(EUNREACHABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        // Node names are escaped: "n.2" is not "n2", nor a wildcard.
        assertThat(send(t1, "n.2", "a/b/c", "x")).isEqualTo(EUNREACHABLE);
        assertThat(send(t1, "*", "a/b/c", "x")).isEqualTo(EUNREACHABLE);
        assertThat(received).isEmpty();
    }

    @Test
    void nodeNamesWithDotsAndSpacesWork() throws Exception {
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serve("host.example.com 7", (target, message) -> 42);
            assertThat(send(t1, "host.example.com 7", "a/b/c", "x")).isEqualTo(42);
        }
    }

    @Test
    void sequentialSendsArriveInOrder() throws Exception {
        for (int i = 0; i < 1000; i++) {
            assertThat(send(t1, "n2", "app/seq/1", Integer.toString(i))).isEqualTo(Integer.toString(i).length());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            expected.add("app/seq/1|" + i);
        }
        assertThat(received).containsExactlyElementsOf(expected);
    }

    @Test
    void concurrentSendersEachArriveInOrderAndNoneIsLost() throws Exception {
        int senders = 4;
        int each = 500;
        Map<Integer, List<Integer>> bySender = new ConcurrentHashMap<>();
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serve("n3", (target, message) -> {
                int sender = Integer.parseInt(target.substring(target.lastIndexOf('/') + 1));
                bySender.computeIfAbsent(sender, k -> new ArrayList<>()).add(ByteBuffer.wrap(message).getInt());
                return 0;
            });
            ExecutorService pool = Executors.newFixedThreadPool(senders);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int s = 0; s < senders; s++) {
                    int sender = s;
                    done.add(pool.submit(() -> {
                        int ok = 0;
                        for (int i = 0; i < each; i++) {
                            byte[] m = ByteBuffer.allocate(4).putInt(i).array();
                            if (t1.send("n3", "app/sender/" + sender, m, TIMEOUT).get(5, TimeUnit.SECONDS) == 0) {
                                ok++;
                            }
                        }
                        return ok;
                    }));
                }
                for (Future<Integer> f : done) {
                    assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(each);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        List<Integer> inOrder = java.util.stream.IntStream.range(0, each).boxed().toList();
        assertThat(bySender).hasSize(senders);
        bySender.values().forEach(list -> assertThat(list).containsExactlyElementsOf(inOrder));
    }

    @Test
    void anInboundThatThrowsAnswersEinternalAndTheNextMessageWorks() throws Exception {
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serve("n3", (target, message) -> {
                if (message.length == 0) {
                    throw new IllegalStateException("boom (expected by the test)");
                }
                return 7;
            });
            assertThat(send(t1, "n3", "a/b/c", "")).isEqualTo(ErrorCode.EINTERNAL.code());
            assertThat(send(t1, "n3", "a/b/c", "again")).isEqualTo(7);
        }
    }

    @Test
    void negativeAnswersPassThrough() throws Exception {
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serve("n3", (target, message) -> ErrorCode.EFULL.code());
            assertThat(send(t1, "n3", "a/b/c", "x")).isEqualTo(ErrorCode.EFULL.code());
        }
    }

    @Test
    void aClosedReceiverIsUnreachableAtOnce() throws Exception {
        assertThat(send(t1, "n2", "a/b/c", "x")).isEqualTo(1);
        t2.close();
        t2.close(); // idempotent
        long start = System.nanoTime();
        assertThat(send(t1, "n2", "a/b/c", "x")).isEqualTo(EUNREACHABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(nc2.getStatus()).isEqualTo(Connection.Status.CONNECTED); // the shared connection stays open
    }

    @Test
    void aReceiverThatDoesNotAnswerInTimeIsUnreachableAfterTheTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (NatsTransport t3 = new NatsTransport(nc2)) {
            t3.serve("n3", (target, message) -> {
                try {
                    release.await(5, TimeUnit.SECONDS); // breaks the MUST NOT block rule on purpose
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 0;
            });
            long start = System.nanoTime();
            int answer = t1.send("n3", "a/b/c", new byte[1], Duration.ofMillis(300)).get(3, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            release.countDown();
            assertThat(answer).isEqualTo(EUNREACHABLE);
            // jnats alone would notice only at its next 5 s sweep
            assertThat(took).isBetween(Duration.ofMillis(250), Duration.ofMillis(1500));
        }
    }

    @Test
    void aSenderWithoutAConnectionOrClosedIsUnreachableAndTooBigIsRefused() throws Exception {
        byte[] tooBig = new byte[(int) nc1.getMaxPayload() + 1];
        assertThat(t1.send("n2", "a/b/c", tooBig, TIMEOUT).get(1, TimeUnit.SECONDS)).isEqualTo(ErrorCode.ETOOBIG.code());

        t1.close();
        assertThat(send(t1, "n2", "a/b/c", "x")).isEqualTo(EUNREACHABLE);

        NatsTransport onClosed = new NatsTransport(nc1);
        nc1.close();
        assertThat(send(onClosed, "n2", "a/b/c", "x")).isEqualTo(EUNREACHABLE);
        assertThat(received).isEmpty();
    }

    @Test
    void serveIsOncePerTransport() {
        assertThatThrownBy(() -> t1.serve("other", (t, m) -> 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> t1.send("n2", "a", new byte[0], Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
