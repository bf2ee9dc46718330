package io.atoll.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * bench/migration's busy writer: one client that keeps sending a command to one atom through a
 * node's management API ({@code POST /api/v1/send?to=ATOM&wait=30s}), one request after the other,
 * and checks every answer, while the script moves the atom between nodes.
 *
 * <p>Usage: {@code MigrationLoad NODE_URL ATOM PAYLOAD EXPECTED_ANSWER [MAX_SECONDS]}. Prints
 * {@code ready} after the first good answer, then waits; commands on stdin, one per line:
 * {@code go} starts sending, {@code pause} stops after the request in flight and prints
 * {@code paused} when it has, {@code label NAME} files the requests that start from then on under
 * NAME as well (bench/migration: the migration mode of the moves in progress). At the end of stdin
 * (or after MAX_SECONDS, default 900) it prints one line over all requests sent while going,
 * {@code load n=<requests> errors=<failed or wrong answers> p50_us=.. p99_us=.. max_us=.. seconds=..}
 * (latency of each request, nearest rank; seconds spent going), then one line per label,
 * {@code load-label NAME n=.. errors=.. p50_us=.. p99_us=.. max_us=..}, the first errors on stderr.
 */
public final class MigrationLoad {
    private MigrationLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: MigrationLoad NODE_URL ATOM PAYLOAD EXPECTED_ANSWER [MAX_SECONDS]");
            System.exit(2);
        }
        long lifetime = args.length > 4 ? Long.parseLong(args[4]) : 900;
        Lifetime.limit(lifetime + 30, "MigrationLoad");
        URI uri = URI.create(args[0] + "/api/v1/send?to=" + URLEncoder.encode(args[1], StandardCharsets.UTF_8) + "&wait=30s");
        byte[] payload = args[2].getBytes(StandardCharsets.UTF_8);
        String expected = args[3];
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).build();

        String first = once(http, request, expected);
        if (first != null) {
            System.out.println("error first request: " + first);
            System.exit(1);
        }
        System.out.println("ready");
        System.out.flush();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean going = new AtomicBoolean();
        AtomicBoolean pauseAsked = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> label = new java.util.concurrent.atomic.AtomicReference<>();
        Thread.ofPlatform().daemon().name("stdin").start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.trim().equals("go")) {
                        going.set(true);
                    } else if (line.trim().equals("pause")) {
                        pauseAsked.set(true);
                    } else if (line.startsWith("label ")) {
                        label.set(line.substring("label ".length()).trim());
                    }
                }
            } catch (Exception e) {
                // treat as the end
            }
            stop.set(true);
        });
        long deadline = System.nanoTime() + lifetime * 1_000_000_000L;
        long[] ns = new long[1 << 16];
        int n = 0;
        int errors = 0;
        List<String> firstErrors = new ArrayList<>();
        java.util.Map<String, Series> byLabel = new java.util.LinkedHashMap<>();
        long goingNs = 0;
        long since = 0;
        while (!stop.get() && System.nanoTime() < deadline) {
            if (pauseAsked.getAndSet(false)) {
                if (going.getAndSet(false)) {
                    goingNs += System.nanoTime() - since;
                }
                System.out.println("paused");
                System.out.flush();
            }
            if (!going.get()) {
                Thread.sleep(1);
                since = System.nanoTime();
                continue;
            }
            String l = label.get();
            long t0 = System.nanoTime();
            String error = once(http, request, expected);
            long t = System.nanoTime() - t0;
            if (n == ns.length) {
                ns = Arrays.copyOf(ns, 2 * n);
            }
            ns[n++] = t;
            if (l != null) {
                byLabel.computeIfAbsent(l, x -> new Series()).add(t, error != null);
            }
            if (error != null) {
                errors++;
                if (firstErrors.size() < 5) {
                    firstErrors.add(error);
                }
            }
        }
        if (going.get()) {
            goingNs += System.nanoTime() - since;
        }
        double seconds = goingNs / 1e9;
        long[] sorted = Arrays.copyOf(ns, n);
        Arrays.sort(sorted);
        System.out.printf("load n=%d errors=%d p50_us=%d p99_us=%d max_us=%d seconds=%.1f%n", n, errors,
                percentile(sorted, 50) / 1000, percentile(sorted, 99) / 1000, n == 0 ? 0 : sorted[n - 1] / 1000, seconds);
        for (var e : byLabel.entrySet()) {
            long[] v = Arrays.copyOf(e.getValue().ns, e.getValue().n);
            Arrays.sort(v);
            System.out.printf("load-label %s n=%d errors=%d p50_us=%d p99_us=%d max_us=%d%n", e.getKey(), v.length,
                    e.getValue().errors, percentile(v, 50) / 1000, percentile(v, 99) / 1000, v.length == 0 ? 0 : v[v.length - 1] / 1000);
        }
        for (String e : firstErrors) {
            System.err.println("MigrationLoad: " + e);
        }
        System.out.flush();
        System.exit(0);
    }

    /** Latencies of the requests filed under one label. */
    private static final class Series {
        long[] ns = new long[1024];
        int n;
        int errors;

        void add(long t, boolean error) {
            if (n == ns.length) {
                ns = Arrays.copyOf(ns, 2 * n);
            }
            ns[n++] = t;
            if (error) {
                errors++;
            }
        }
    }

    /** One request; null if it was answered 200 with the expected text, else what went wrong. */
    private static String once(HttpClient http, HttpRequest request, String expected) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().equals(expected)) {
                return "HTTP " + r.statusCode() + ": " + r.body();
            }
            return null;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return e.toString();
        }
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int k = (int) ((p * (long) sorted.length + 99) / 100);
        return sorted[Math.max(k, 1) - 1];
    }
}
