package io.atoll.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * bench/cluster's transport baseline: NATS request/reply without Atoll, the same exchange the
 * fabric's transport makes for every remote message (a request with a target header and a small
 * body to a subject served by a {@link Dispatcher}, answered with 4 bytes), between two connections
 * of this process through the same nats-server as the nodes.
 *
 * <p>Usage: {@code NatsPing NATS_URL [MAX_SECONDS]}; prints {@code ready}, then reads commands
 * from stdin, one per line: {@code ping N} makes N requests one after the other (each waits for
 * its answer) and prints {@code ping p50=<ns> p99=<ns> n=<N> ns=<total>}. Exits at the end of
 * stdin, or after MAX_SECONDS (default 900).
 */
public final class NatsPing {
    private static final String SUBJECT = "bench.ping";
    /** About the size of an encoded envelope of the probe's {@code seq <i>} message with its names. */
    private static final byte[] BODY = new byte[64];

    private NatsPing() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: NatsPing NATS_URL [MAX_SECONDS]");
            System.exit(2);
        }
        Lifetime.limit(Lifetime.fromArgs(args), "NatsPing");
        Options.Builder options = Options.builder().server(args[0]).reportNoResponders()
                .connectionTimeout(Duration.ofSeconds(2));
        try (Connection responder = Nats.connect(options.connectionName("bench-ping-responder").build());
                Connection requester = Nats.connect(options.connectionName("bench-ping-requester").build())) {
            byte[] answer = ByteBuffer.allocate(4).putInt(1).array();
            Dispatcher d = responder.createDispatcher(msg -> responder.publish(msg.getReplyTo(), answer));
            d.subscribe(SUBJECT);
            responder.flush(Duration.ofSeconds(2));
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split("\\s+");
                if (w.length == 2 && w[0].equals("ping")) {
                    System.out.println(ping(requester, Integer.parseInt(w[1])));
                } else if (!line.isBlank()) {
                    System.out.println("error unknown command: " + line);
                }
                System.out.flush();
            }
        }
        System.exit(0);
    }

    private static String ping(Connection nc, int n) throws Exception {
        long[] ns = new long[n];
        Headers headers = new Headers().put("Atoll-Target", "xnode/sinkb/0");
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Message reply = nc.requestWithTimeout(SUBJECT, headers, BODY, Duration.ofSeconds(5)).get();
            ns[i] = System.nanoTime() - t0;
            if (reply.getData() == null || reply.getData().length != 4) {
                return "error bad answer";
            }
        }
        long total = System.nanoTime() - start;
        Arrays.sort(ns);
        return "ping p50=" + percentile(ns, 50) + " p99=" + percentile(ns, 99) + " n=" + n + " ns=" + total;
    }

    /** Nearest rank, as the probe's {@code rtt}. */
    private static long percentile(long[] sorted, int p) {
        int k = (int) ((p * (long) sorted.length + 99) / 100);
        return sorted[Math.max(k, 1) - 1];
    }
}
