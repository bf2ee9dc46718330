package io.atoll.bench;

import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * bench/radon's load generator and report: the client workload of the Radon paper's evaluation
 * (section IV-B) against three systems measured in the same run.
 *
 * <p>Emulated clients, like the paper's asynchronous tasks: each has one persistent HTTP/1.1
 * connection to one node chosen at random (seeded), and sends requests one at a time (closed loop),
 * limited to a target rate per client. One event loop (a thread with a NIO {@code Selector}; {@code
 * --loops N} for more) runs all the clients, so that the load generator costs little CPU on a
 * machine it shares with the servers. Request k of a client is not sent before {@code start + phase
 * + k/rate} (a random phase per client); when an answer comes after the next request's time, the
 * next one goes at once, so a client that cannot reach its rate sends as many as it can (as a Tokio
 * interval catches up missed ticks; the lag is bounded to 1 s, so a client never bursts longer).
 *
 * <p>Request mix: {@code echo} systems, POST of an 11-byte body (the answer must be that body);
 * {@code kv} systems, 20 % {@code PUT <prefix>/<key>} (a 32-byte value derived from the key), 40 %
 * {@code GET} of a random key of the key space, 40 % {@code GET} of one of the 100 keys most
 * recently put (by any client). A GET answered 200 must carry the key's value; 404 is a miss, not an
 * error. Every answer's latency (send to last byte, {@code System.nanoTime}) is kept (successes
 * only); percentiles are exact, nearest rank on the sorted latencies.
 *
 * <p>Usage: {@code RadonLoad --system NAME=KIND@URL[,URL...] ... [options]}, KIND {@code echo} or
 * {@code kv}; the URL is the path to POST to (echo) or the prefix keys are appended to (kv). Options:
 * {@code --clients 1,2,4 --rates 100,1000,10000} the throughput grid (every pair), {@code
 * --rate-sweep C:R,R,..} extra points at C clients, {@code --seconds S} per point, {@code --lat
 * CxRxS} the latency point, {@code --warmup S} per system before measuring, {@code --pids
 * NAME=PID,..} processes whose CPU time is counted for a system, {@code --out DIR} (results.json and
 * PNGs), {@code --summary FILE} (the summary line goes there instead of stdout), {@code --keyspace
 * N}, {@code --timeout-ms N}, {@code --loops N}, {@code --kv-no-verify} (a stand-in kv that does
 * not store: answers are not checked), {@code --warm-up-only} (check and warm up each system, then
 * stop: to watch a warm-up, e.g. of one system under JVM options to compare), {@code --max-seconds
 * N} (the process exits after that anyway), {@code --label TEXT} (the run's name in the report).
 */
public final class RadonLoad {
    private RadonLoad() {
    }

    // the paper's figures (section IV-B, Fig. 2): maximum throughput, requests/s
    static final double PAPER_ECHO = 700_000;
    static final double PAPER_RADON_ECHO = 540_000;
    static final double PAPER_KV = 280_000;

    static final byte[] ECHO_BODY = "hello world".getBytes(StandardCharsets.US_ASCII);
    static final int RECENT = 100;
    /** Warm-up windows after the first: steady once this many in a row are each within 5 % of the one before. */
    static final double STEADY_WINDOW = 5;
    static final int STEADY_WINDOWS = 2;
    static final double STEADY_TOLERANCE = 0.05;
    /**
     * ...and the servers' JIT compiler threads used at most this share of their CPU in the window: a
     * plateau while C2 still compiles the guest code is not the steady state (bench/README.md).
     */
    static final double STEADY_MAX_JIT = 0.10;
    /** A client behind its schedule catches up (sends at once) by at most this much lag. */
    static final long MAX_DEBT_NS = 1_000_000_000L;
    static final int OP_PUT = 0;
    static final int OP_GET_RANDOM = 1;
    static final int OP_GET_RECENT = 2;
    static final String[] OP_NAMES = {"put", "get-random", "get-recent"};

    // ------------------------------------------------------------------ configuration

    record Endpoint(String host, int port, String path) {
        String hostHeader() {
            return host + ":" + port;
        }
    }

    static final class Target {
        final String name;
        final boolean kv;
        final List<Endpoint> endpoints;
        List<Long> pids = List.of();
        final Color color;
        // kv: the keys most recently put (ring), shared by the target's clients
        final AtomicIntegerArray recent = new AtomicIntegerArray(1024);
        final AtomicLong puts = new AtomicLong();

        Target(String name, boolean kv, List<Endpoint> endpoints, Color color) {
            this.name = name;
            this.kv = kv;
            this.endpoints = endpoints;
            this.color = color;
        }
    }

    static final class Config {
        final List<Target> targets = new ArrayList<>();
        int[] clients = {1, 2, 4, 8, 16, 32, 64, 128};
        int[] rates = {100, 1000, 10000};
        int sweepClients = 16;
        int[] sweepRates = {200, 500, 2000, 5000};
        double seconds = 10;
        int latClients = 16;
        int latRate = 500;
        double latSeconds = 20;
        double warmup = 20;
        /** Warm-up continues in windows until two in a row agree, up to this many seconds (0: off). */
        double steadyMax = 0;
        int warmClients = 16;
        Path out = Path.of("bench/target/radon");
        Path summary;
        int keyspace = 10_000;
        int valueBytes = 32;
        int timeoutMs = 5000;
        boolean kvVerify = true;
        boolean warmUpOnly;
        int loops = 1;
        long maxSeconds = 3600;
        int hz = 100;
        String label = "";
        final Map<String, List<Long>> pids = new LinkedHashMap<>();
    }

    // ------------------------------------------------------------------ results

    static final class Result {
        String experiment;
        String system;
        int clients;
        int rate;
        double seconds;
        long ok;            // answered with success (echo: 2xx, right body; kv: 2xx, GET 200 with the value, or 404) before the end
        long okLate;        // the same, answered after the end (not in the throughput; latency kept)
        long errors;        // transport errors, timeouts, other statuses, wrong bodies
        long wrong;         // of which wrong bodies
        long unfinished;    // requests still without an answer when the point stopped waiting (not errors)
        final long[] opCount = new long[3];
        final long[] opMiss = new long[3];
        final Map<String, Long> errorKinds = new TreeMap<>();
        String firstError;
        long[] lat = new long[0];          // ns, sorted
        final long[][] latOp = new long[3][];
        double serverCpuS = Double.NaN;
        /** Of {@link #serverCpuS}: the JVMs' C1 and C2 compiler threads. */
        double jitCpuS = Double.NaN;
        double clientCpuS = Double.NaN;
        double load1 = Double.NaN;
        int[] nodeOfClient = new int[0];
        String start = "";

        double throughput() {
            return ok / seconds;
        }

        /** The share of the servers' CPU that went to compiling (NaN without server pids). */
        double jitShare() {
            return serverCpuS > 0 ? jitCpuS / serverCpuS : Double.NaN;
        }
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception {
        Config cfg = parse(args);
        Lifetime.limit(cfg.maxSeconds, "RadonLoad");
        long started = System.nanoTime();
        for (Target t : cfg.targets) {
            t.pids = cfg.pids.getOrDefault(t.name, List.of());
        }

        System.out.println("bench/radon" + (cfg.label.isEmpty() ? "" : " " + cfg.label) + ": the Radon paper's key-value store evaluation (section IV-B) on Atoll");
        System.out.printf(Locale.ROOT, "machine: %d cores, load average %s at start, JDK %s, %s%n",
                Runtime.getRuntime().availableProcessors(), loadAvgText(), Runtime.version(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS));
        for (Target t : cfg.targets) {
            System.out.printf("  %-10s %s  %s%n", t.name, t.kv ? "kv  " : "echo",
                    String.join(" ", t.endpoints.stream().map(e -> "http://" + e.hostHeader() + e.path()).toList()));
        }

        // each system: its check (every node answers right), then its warm-up (JIT of the servers:
        // Chicory-compiled guest code needs seconds of load; and of this client). The kv store's daemons
        // may still be starting while the echo systems warm up.
        List<String> failed = new ArrayList<>();
        List<Result> all = new ArrayList<>();
        int maxRate = Arrays.stream(cfg.rates).max().orElse(10000);
        for (Target t : new ArrayList<>(cfg.targets)) {
            long c0 = System.nanoTime();
            String err = check(cfg, t);
            System.out.printf(Locale.ROOT, "radon: check     %-9s %s after %.1f s%n", t.name,
                    err == null ? "answers right on every node" : "FAILED", (System.nanoTime() - c0) / 1e9);
            if (err != null) {
                System.out.println("  " + t.name + ": NOT MEASURED: " + err);
                failed.add(t.name + ": " + err);
                cfg.targets.remove(t);
                if (t.name.equals("echo")) {
                    break;
                }
                continue;
            }
            if (cfg.warmup > 0) {
                Result r = runPoint(cfg, t, "warmup", cfg.warmClients, maxRate, cfg.warmup, 1);
                progress("warm-up", t, r);
                all.add(r);
                // The JIT of three JVMs sharing two cores takes minutes to settle on Chicory's
                // compiled guest code: measure steady state, not compilation (bench/README.md).
                double spent = cfg.warmup;
                int agreeing = 0; // windows in a row within the tolerance of the one before
                while (spent < cfg.steadyMax && agreeing < STEADY_WINDOWS) {
                    Result next = runPoint(cfg, t, "warmup", cfg.warmClients, maxRate, STEADY_WINDOW, 1);
                    progress("warm-up", t, next);
                    all.add(next);
                    spent += STEADY_WINDOW;
                    boolean close = Math.abs(next.throughput() - r.throughput()) <= STEADY_TOLERANCE * r.throughput()
                            && !(next.jitShare() > STEADY_MAX_JIT);
                    agreeing = close ? agreeing + 1 : 0;
                    r = next;
                }
                if (cfg.steadyMax > 0) {
                    System.out.printf(Locale.ROOT, "radon: steady    %-9s after %.0f s of warm-up%s%n", t.name, spent,
                            spent >= cfg.steadyMax ? " (the limit: still changing)" : "");
                }
            }
        }
        if (cfg.warmUpOnly) {
            System.out.println("warm-up only: no points measured");
            writeSummary(cfg, "summary atom-echo/echo=n/a kv/atom-echo=n/a kv-p99-ms=n/a");
            System.exit(failed.isEmpty() ? 0 : 1);
        }
        if (cfg.targets.stream().noneMatch(t -> t.name.equals("echo"))) {
            System.out.println("error: no working 'echo' baseline: nothing to compare with");
            writeSummary(cfg, "summary atom-echo/echo=n/a kv/atom-echo=n/a kv-p99-ms=n/a");
            System.exit(1);
        }

        // (a) throughput: every point of the grid, then the rate sweep; the systems in turn at each
        // point, the order rotated from point to point
        List<int[]> points = new ArrayList<>();
        for (int rate : cfg.rates) {
            for (int c : cfg.clients) {
                points.add(new int[] {c, rate});
            }
        }
        for (int rate : cfg.sweepRates) {
            boolean dup = points.stream().anyMatch(p -> p[0] == cfg.sweepClients && p[1] == rate);
            if (!dup) {
                points.add(new int[] {cfg.sweepClients, rate});
            }
        }
        List<Result> tput = new ArrayList<>();
        int i = 0;
        for (int[] p : points) {
            for (Target t : rotated(cfg.targets, i)) {
                // the same seed for every system at a point: the same clients on the same nodes
                Result r = runPoint(cfg, t, "throughput", p[0], p[1], cfg.seconds, 1000L * i);
                progress("(a) " + (i + 1) + "/" + points.size(), t, r);
                tput.add(r);
            }
            i++;
        }
        all.addAll(tput);

        // (b) latency at a load that does not saturate
        List<Result> lat = new ArrayList<>();
        for (Target t : rotated(cfg.targets, points.size())) {
            Result r = runPoint(cfg, t, "latency", cfg.latClients, cfg.latRate, cfg.latSeconds, 7_000_000L);
            progress("(b)", t, r);
            lat.add(r);
        }
        all.addAll(lat);
        List<String> order = cfg.targets.stream().map(t -> t.name).toList();
        lat.sort((x, y) -> Integer.compare(order.indexOf(x.system), order.indexOf(y.system)));

        report(cfg, tput, lat, failed, all, (System.nanoTime() - started) / 1e9);
        System.exit(failed.isEmpty() ? 0 : 1);
    }

    static List<Target> rotated(List<Target> ts, int k) {
        List<Target> out = new ArrayList<>();
        for (int i = 0; i < ts.size(); i++) {
            out.add(ts.get((i + k) % ts.size()));
        }
        return out;
    }

    static void progress(String what, Target t, Result r) {
        System.out.printf(Locale.ROOT, "radon: %-9s %-9s %3d x %5d/s %4.0fs: %9.0f req/s  p50 %7.3f ms  p99 %8.3f ms  errors %d%s%s%s%n",
                what, t.name, r.clients, r.rate, r.seconds, r.throughput(), ms(pct(r.lat, 0.50)), ms(pct(r.lat, 0.99)),
                r.errors, Double.isNaN(r.jitShare()) ? "" : String.format(Locale.ROOT, "  JIT %2.0f %%", 100 * r.jitShare()), r.unfinished > 0 ? " unfinished " + r.unfinished : "", r.firstError == null ? "" : " (first: " + r.firstError + ")");
    }

    // ------------------------------------------------------------------ checks

    /** Each endpoint answers like the system should, retried for a while (daemons may still be starting). */
    static String check(Config cfg, Target t) throws InterruptedException {
        // (the nodes compile the modules when the app is deployed: on a loaded 2-core machine that takes a while)
        long deadline = System.nanoTime() + (long) ((t.kv ? 180 : 60) * 1e9);
        String last = null;
        for (int n = 0; n < t.endpoints.size(); n++) {
            Endpoint e = t.endpoints.get(n);
            while (true) {
                last = checkOnce(cfg, t, e, n);
                if (last == null) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    return "http://" + e.hostHeader() + e.path() + ": " + last;
                }
                Thread.sleep(250);
            }
        }
        return null;
    }

    static String checkOnce(Config cfg, Target t, Endpoint e, int n) {
        try (RadonHttp c = new RadonHttp(e.host(), e.port(), cfg.timeoutMs)) {
            Req req = new Req();
            if (!t.kv) {
                req.echo(e);
                int s = c.exchange(req.bytes, req.length);
                if (s / 100 != 2) {
                    return "POST answered " + s + " " + bodyText(c);
                }
                if (!c.bodyEquals(ECHO_BODY)) {
                    return "POST '" + new String(ECHO_BODY, StandardCharsets.US_ASCII) + "' answered '" + bodyText(c) + "'";
                }
                return null;
            }
            String key = "check-" + n + "-" + Long.toString(System.nanoTime(), 36);
            byte[] value = ("radon check " + key).getBytes(StandardCharsets.US_ASCII);
            req.put(e, key, value);
            int s = c.exchange(req.bytes, req.length);
            if (s / 100 != 2) {
                return "PUT " + key + " answered " + s + " " + bodyText(c);
            }
            if (c.mustClose()) {
                return null; // fine, but check the rest on the next attempt
            }
            req.get(e, key);
            s = c.exchange(req.bytes, req.length);
            if (cfg.kvVerify && s != 200) {
                return "GET " + key + " right after its PUT answered " + s + " " + bodyText(c);
            }
            if (cfg.kvVerify && !c.bodyEquals(value)) {
                return "GET " + key + " answered '" + bodyText(c) + "', not the value put";
            }
            if (c.mustClose()) {
                return null;
            }
            req.get(e, "never-put-" + key);
            s = c.exchange(req.bytes, req.length);
            if (cfg.kvVerify && s != 404) {
                return "GET of a key never put answered " + s + " (expected 404) " + bodyText(c);
            }
            return null;
        } catch (IOException ex) {
            return ex.toString();
        }
    }

    static String bodyText(RadonHttp c) {
        String s = new String(c.body(), 0, Math.min(c.bodyLength(), 200), StandardCharsets.UTF_8).replace('\n', ' ');
        return s.isEmpty() ? "" : "(" + s + ")";
    }

    // ------------------------------------------------------------------ one measurement

    /** A request buffer, rewritten per request. */
    static final class Req {
        byte[] bytes = new byte[512];
        int length;

        void echo(Endpoint e) {
            set("POST " + e.path() + " HTTP/1.1\r\nHost: " + e.hostHeader()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + ECHO_BODY.length + "\r\n\r\n", ECHO_BODY);
        }

        void put(Endpoint e, String key, byte[] value) {
            set("PUT " + e.path() + "/" + key + " HTTP/1.1\r\nHost: " + e.hostHeader()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + value.length + "\r\n\r\n", value);
        }

        void get(Endpoint e, String key) {
            set("GET " + e.path() + "/" + key + " HTTP/1.1\r\nHost: " + e.hostHeader() + "\r\n\r\n", null);
        }

        private void set(String head, byte[] body) {
            int hl = head.length();
            int n = hl + (body == null ? 0 : body.length);
            if (n > bytes.length) {
                bytes = new byte[Math.max(n, bytes.length * 2)];
            }
            for (int i = 0; i < hl; i++) {
                bytes[i] = (byte) head.charAt(i);
            }
            if (body != null) {
                System.arraycopy(body, 0, bytes, hl, body.length);
            }
            length = n;
        }
    }

    static final class LongList {
        long[] a = new long[4096];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }
    }

    /** One emulated client: a connection, its schedule and the request in flight. Owned by one {@link Loop}. */
    static final class Conn {
        final int index;
        final Endpoint e;
        final long period;
        final Req req = new Req();
        SocketChannel ch;
        SelectionKey key;
        ByteBuffer out;
        byte[] in = new byte[1024];
        int inLen;
        long due;
        long sentAt;
        boolean inFlight;
        int op;
        int k;
        byte[] value;

        Conn(int index, Endpoint e, int rate) {
            this.index = index;
            this.e = e;
            this.period = rate > 0 ? 1_000_000_000L / rate : 0;
        }
    }

    /**
     * An event loop (one platform thread, one {@link Selector}) running some of the emulated clients,
     * like the asynchronous tasks of the paper's client: each client's requests one after the other,
     * the loop waiting on all connections at once.
     */
    static final class Loop implements Runnable {
        final Config cfg;
        final Target t;
        final List<Conn> conns = new ArrayList<>();
        long t0; // set before the loop's thread starts
        long tEnd;
        long graceNs; // how long after tEnd answers are still awaited
        final long timeoutNs;
        final Selector selector;
        final PriorityQueue<Conn> timers = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
        final Random rnd;
        final Parsed parsed = new Parsed();
        final LongList[] lat = {new LongList(), new LongList(), new LongList()};
        final long[] opCount = new long[3];
        final long[] opMiss = new long[3];
        final Map<String, Long> errorKinds = new TreeMap<>();
        long ok;
        long okLate;
        long errors;
        long wrong;
        String firstError;
        int inFlight;
        long unfinished;

        Loop(Config cfg, Target t, long seed) throws IOException {
            this.cfg = cfg;
            this.t = t;
            this.timeoutNs = cfg.timeoutMs * 1_000_000L;
            this.selector = Selector.open();
            this.rnd = new Random(seed);
        }

        /** Opens the client's connection (blocking connect: loopback), then non-blocking; false after an error (counted). */
        boolean connect(Conn c) {
            try {
                SocketChannel ch = SocketChannel.open();
                try {
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    ch.socket().connect(new InetSocketAddress(c.e.host(), c.e.port()), Math.max(1000, cfg.timeoutMs));
                    ch.configureBlocking(false);
                    c.key = ch.register(selector, 0, c);
                } catch (IOException | RuntimeException ex) {
                    ch.close();
                    throw ex;
                }
                c.ch = ch;
                c.inLen = 0;
                return true;
            } catch (IOException | RuntimeException ex) {
                error("connect", "connect to " + c.e.hostHeader() + ": " + ex);
                return false;
            }
        }

        void disconnect(Conn c) {
            if (c.key != null) {
                c.key.cancel();
                c.key = null;
            }
            if (c.ch != null) {
                try {
                    c.ch.close();
                } catch (IOException ex) {
                    // nothing to do
                }
                c.ch = null;
            }
            if (c.inFlight) {
                c.inFlight = false;
                inFlight--;
            }
            c.inLen = 0;
        }

        @Override
        public void run() {
            try {
                loop();
            } catch (IOException | RuntimeException ex) {
                error("client", "the client loop failed: " + ex);
            } finally {
                for (Conn c : conns) {
                    disconnect(c);
                }
                try {
                    selector.close();
                } catch (IOException ex) {
                    // nothing to do
                }
            }
        }

        private void loop() throws IOException {
            for (Conn c : conns) {
                c.due = t0 + (long) (rnd.nextDouble() * c.period);
                timers.add(c);
            }
            long lastTimeoutCheck = System.nanoTime();
            long stopBy = tEnd + graceNs;
            while (true) {
                long now = System.nanoTime();
                if (now >= tEnd && (inFlight == 0 || now >= stopBy)) {
                    unfinished = inFlight; // abandoned: neither answered nor failed
                    break;
                }
                // the clients whose time has come
                while (now < tEnd && !timers.isEmpty() && timers.peek().due <= now) {
                    send(timers.poll(), now);
                }
                if (now - lastTimeoutCheck > 50_000_000L) {
                    lastTimeoutCheck = now;
                    for (Conn c : conns) {
                        if (c.inFlight && now - c.sentAt > timeoutNs) {
                            error("timeout", "no answer within " + cfg.timeoutMs + " ms from " + c.e.hostHeader());
                            disconnect(c);
                            schedule(c, now);
                        }
                    }
                }
                long wake = now >= tEnd ? stopBy : Math.min(tEnd, now + 50_000_000L);
                if (!timers.isEmpty() && now < tEnd) {
                    wake = Math.min(wake, timers.peek().due);
                }
                long waitNs = wake - now;
                int n = waitNs <= 0 ? selector.selectNow() : selector.select(Math.max(1, (waitNs + 999_999) / 1_000_000));
                if (n == 0) {
                    continue;
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    Conn c = (Conn) key.attachment();
                    if (!key.isValid() || c.key != key) {
                        continue;
                    }
                    if (key.isWritable()) {
                        write(c);
                    }
                    if (c.key == key && key.isValid() && key.isReadable()) {
                        read(c);
                    }
                }
            }
        }

        /** Sends the client's next request (a new connection first, if it has none). */
        private void send(Conn c, long now) {
            if (c.ch == null && !connect(c)) {
                c.due = now + 5_000_000L; // refused: try again in 5 ms, do not spin
                timers.add(c);
                return;
            }
            if (!t.kv) {
                if (c.req.length == 0) {
                    c.req.echo(c.e);
                }
            } else {
                int dice = rnd.nextInt(100);
                if (dice < 20) {
                    c.op = OP_PUT;
                    c.k = rnd.nextInt(cfg.keyspace);
                    c.value = valueOf(c.k, cfg.valueBytes);
                    c.req.put(c.e, "k" + c.k, c.value);
                } else {
                    c.op = dice < 60 ? OP_GET_RANDOM : OP_GET_RECENT;
                    c.k = c.op == OP_GET_RANDOM ? rnd.nextInt(cfg.keyspace) : recentKey(t, rnd, cfg.keyspace);
                    c.req.get(c.e, "k" + c.k);
                }
            }
            c.out = ByteBuffer.wrap(c.req.bytes, 0, c.req.length);
            c.inLen = 0;
            c.inFlight = true;
            inFlight++;
            c.sentAt = System.nanoTime();
            write(c);
        }

        private void write(Conn c) {
            try {
                c.ch.write(c.out);
                c.key.interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            } catch (IOException | RuntimeException ex) {
                failed(c, ex);
            }
        }

        private void read(Conn c) {
            int n;
            try {
                if (c.inLen == c.in.length) {
                    c.in = Arrays.copyOf(c.in, c.in.length * 2);
                }
                n = c.ch.read(ByteBuffer.wrap(c.in, c.inLen, c.in.length - c.inLen));
            } catch (IOException | RuntimeException ex) {
                failed(c, ex);
                return;
            }
            if (n < 0) {
                if (c.inFlight && c.inLen > 0) {
                    try {
                        if (parse(c.in, c.inLen, parsed) == 0 && parsed.readToEnd) {
                            finish(c, System.nanoTime(), true); // an answer without a length, ended by the close
                            return;
                        }
                    } catch (IOException ex) {
                        failed(c, ex);
                        return;
                    }
                }
                failed(c, new IOException("connection closed by the server"));
                return;
            }
            c.inLen += n;
            if (!c.inFlight) {
                return; // unexpected bytes: dropped at the next send
            }
            int used;
            try {
                used = parse(c.in, c.inLen, parsed);
            } catch (IOException ex) {
                failed(c, ex);
                return;
            }
            if (used > 0) {
                finish(c, System.nanoTime(), false);
            }
        }

        private void failed(Conn c, Exception ex) {
            if (System.nanoTime() < tEnd || c.inFlight) {
                error(ex.getClass().getSimpleName(), ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
            disconnect(c);
            schedule(c, System.nanoTime() + 5_000_000L);
        }

        /** A complete answer is in c.in (described by {@link #parsed}): check it, count it, schedule the next request. */
        private void finish(Conn c, long te, boolean atClose) {
            Parsed p = parsed;
            int status = p.status;
            boolean good;
            if (!t.kv) {
                good = status / 100 == 2 && bodyIs(c.in, p, ECHO_BODY);
                if (!good) {
                    if (status / 100 == 2) {
                        wrong++;
                        error("wrong body", "POST answered " + status + " with a wrong body " + text(c.in, p));
                    } else {
                        error("status " + status, "POST answered " + status + " " + text(c.in, p));
                    }
                }
            } else if (c.op == OP_PUT) {
                good = status / 100 == 2;
                if (good) {
                    long i = t.puts.getAndIncrement();
                    t.recent.set((int) (i % t.recent.length()), c.k + 1); // 0: an empty slot
                } else {
                    error("status " + status, "PUT answered " + status + " " + text(c.in, p));
                }
            } else if (status == 404) {
                good = true;
                opMiss[c.op]++;
            } else if (status == 200) {
                good = !cfg.kvVerify || bodyIs(c.in, p, valueOf(c.k, cfg.valueBytes));
                if (!good) {
                    wrong++;
                    error("wrong value", "GET k" + c.k + " answered a wrong value " + text(c.in, p));
                }
            } else {
                good = false;
                error("status " + status, "GET answered " + status + " " + text(c.in, p));
            }
            if (good) {
                opCount[c.op]++;
                lat[c.op].add(te - c.sentAt);
                if (te <= tEnd) {
                    ok++;
                } else {
                    okLate++;
                }
            }
            c.inFlight = false;
            inFlight--;
            c.inLen = 0;
            if (atClose || p.close) {
                disconnect(c);
            } else {
                c.key.interestOps(0);
            }
            // the next request's time: one period after this one's; a late answer (or a late wake-up) is
            // caught up by sending at once, but by at most MAX_DEBT of lag
            c.due = Math.max(c.due + c.period, te - MAX_DEBT_NS);
            if (c.due <= te && te < tEnd) {
                send(c, te);
            } else {
                timers.add(c);
            }
        }

        private void schedule(Conn c, long at) {
            c.due = Math.max(c.due + c.period, at);
            timers.remove(c);
            timers.add(c);
        }

        void error(String kind, String text) {
            errors++;
            errorKinds.merge(kind, 1L, Long::sum);
            if (firstError == null) {
                firstError = text.length() > 200 ? text.substring(0, 200) : text;
            }
        }
    }

    /** What {@link #parse} found: status, where the body is, whether the server closes the connection. */
    static final class Parsed {
        int status;
        int bodyOff;
        int bodyLen;
        boolean close;
        boolean readToEnd;
        byte[] chunked = new byte[256]; // a chunked body, joined
    }

    static boolean bodyIs(byte[] in, Parsed p, byte[] expected) {
        byte[] src = p.bodyOff < 0 ? p.chunked : in;
        int off = p.bodyOff < 0 ? 0 : p.bodyOff;
        return p.bodyLen == expected.length && Arrays.equals(src, off, off + p.bodyLen, expected, 0, expected.length);
    }

    static String text(byte[] in, Parsed p) {
        byte[] src = p.bodyOff < 0 ? p.chunked : in;
        int off = p.bodyOff < 0 ? 0 : p.bodyOff;
        String s = new String(src, off, Math.min(p.bodyLen, 200), StandardCharsets.UTF_8).replace('\n', ' ');
        return s.isEmpty() ? "" : "(" + s + ")";
    }

    /**
     * Parses one HTTP/1.x answer at the start of {@code b[0..len)}: returns the bytes it takes, or 0
     * if it is not complete yet (an answer without a length is complete only at the close: 0, with
     * {@code p.readToEnd}). Informational (1xx) answers before it are skipped.
     */
    static int parse(byte[] b, int len, Parsed p) throws IOException {
        int start = 0;
        while (true) {
            int hEnd = indexOf(b, start, len, CRLFCRLF);
            if (hEnd < 0) {
                if (len - start > 64 * 1024) {
                    throw new IOException("answer headers too long");
                }
                return 0;
            }
            if (hEnd - start < 12 || b[start] != 'H' || b[start + 5] != '1' || b[start + 8] != ' ') {
                throw new IOException("not an HTTP/1 answer: " + new String(b, start, Math.min(60, len - start), StandardCharsets.ISO_8859_1));
            }
            int status = 0;
            for (int i = start + 9; i < start + 12; i++) {
                if (b[i] < '0' || b[i] > '9') {
                    throw new IOException("bad status line");
                }
                status = status * 10 + (b[i] - '0');
            }
            p.status = status;
            p.close = b[start + 7] == '0'; // HTTP/1.0
            p.readToEnd = false;
            long contentLength = -1;
            boolean chunked = false;
            int line = indexOf(b, start, hEnd + 2, CRLF) + 2; // after the status line
            while (line < hEnd + 2) {
                int eol = indexOf(b, line, hEnd + 2, CRLF);
                int colon = -1;
                for (int i = line; i < eol; i++) {
                    if (b[i] == ':') {
                        colon = i;
                        break;
                    }
                }
                if (colon > line) {
                    if (nameIs(b, line, colon, "content-length")) {
                        contentLength = Long.parseLong(new String(b, colon + 1, eol - colon - 1, StandardCharsets.ISO_8859_1).trim());
                    } else if (nameIs(b, line, colon, "transfer-encoding")) {
                        chunked = new String(b, colon + 1, eol - colon - 1, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT).contains("chunked");
                    } else if (nameIs(b, line, colon, "connection")) {
                        String v = new String(b, colon + 1, eol - colon - 1, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
                        if (v.contains("close")) {
                            p.close = true;
                        } else if (v.contains("keep-alive")) {
                            p.close = false;
                        }
                    }
                }
                line = eol + 2;
            }
            int bodyStart = hEnd + 4;
            if (status >= 100 && status < 200) {
                start = bodyStart;
                continue;
            }
            if (chunked) {
                int pos = bodyStart;
                int total = 0;
                while (true) {
                    int eol = indexOf(b, pos, len, CRLF);
                    if (eol < 0) {
                        return 0;
                    }
                    int semi = pos;
                    while (semi < eol && b[semi] != ';') {
                        semi++;
                    }
                    int size = Integer.parseInt(new String(b, pos, semi - pos, StandardCharsets.ISO_8859_1).trim(), 16);
                    if (size == 0) {
                        // trailers (usually none), then an empty line
                        int end = indexOf(b, eol, len, CRLFCRLF);
                        if (end < 0) {
                            return 0;
                        }
                        p.bodyOff = -1;
                        p.bodyLen = total;
                        return end + 4;
                    }
                    if (eol + 2 + size + 2 > len) {
                        return 0;
                    }
                    if (total + size > p.chunked.length) {
                        p.chunked = Arrays.copyOf(p.chunked, Math.max(total + size, p.chunked.length * 2));
                    }
                    System.arraycopy(b, eol + 2, p.chunked, total, size);
                    total += size;
                    pos = eol + 2 + size + 2;
                }
            }
            if (contentLength >= 0) {
                if (bodyStart + contentLength > len) {
                    return 0;
                }
                p.bodyOff = bodyStart;
                p.bodyLen = (int) contentLength;
                return bodyStart + (int) contentLength;
            }
            if (status == 204 || status == 304) {
                p.bodyOff = bodyStart;
                p.bodyLen = 0;
                return bodyStart;
            }
            p.readToEnd = true;
            p.close = true;
            p.bodyOff = bodyStart;
            p.bodyLen = len - bodyStart;
            return 0;
        }
    }

    static final byte[] CRLF = {'\r', '\n'};
    static final byte[] CRLFCRLF = {'\r', '\n', '\r', '\n'};

    static int indexOf(byte[] b, int from, int to, byte[] pat) {
        outer:
        for (int i = Math.max(0, from); i <= to - pat.length; i++) {
            for (int j = 0; j < pat.length; j++) {
                if (b[i + j] != pat[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static boolean nameIs(byte[] b, int from, int to, String name) {
        if (to - from != name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            int c = b[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static int recentKey(Target t, Random rnd, int keyspace) {
        long n = t.puts.get();
        if (n == 0) {
            return rnd.nextInt(keyspace);
        }
        long back = rnd.nextInt((int) Math.min(n, RECENT));
        int v = t.recent.get((int) ((n - 1 - back) % t.recent.length()));
        return v == 0 ? rnd.nextInt(keyspace) : v - 1;
    }

    /** The value of a key: deterministic, so that any GET answered 200 can be checked. */
    static byte[] valueOf(int key, int size) {
        byte[] v = new byte[size];
        String s = "v" + key + "-";
        for (int i = 0; i < size; i++) {
            v[i] = i < s.length() ? (byte) s.charAt(i) : (byte) ('a' + (key + i) % 26);
        }
        return v;
    }

    static Result runPoint(Config cfg, Target t, String experiment, int clients, int rate, double seconds, long seed)
            throws InterruptedException, IOException {
        Random r = new Random(seed);
        Result res = new Result();
        res.experiment = experiment;
        res.system = t.name;
        res.clients = clients;
        res.rate = rate;
        res.seconds = seconds;
        res.nodeOfClient = new int[clients];
        res.start = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        int nLoops = Math.max(1, Math.min(cfg.loops, clients));
        // connections first (not timed), then every client starts at t0 with its own phase
        Loop[] loops = new Loop[nLoops];
        for (int l = 0; l < nLoops; l++) {
            loops[l] = new Loop(cfg, t, r.nextLong());
        }
        for (int i = 0; i < clients; i++) {
            int node = r.nextInt(t.endpoints.size());
            res.nodeOfClient[i] = node;
            Conn c = new Conn(i, t.endpoints.get(node), rate);
            loops[i % nLoops].conns.add(c);
            loops[i % nLoops].connect(c);
        }
        long t0 = System.nanoTime() + 50_000_000L;
        long tEnd = t0 + (long) (seconds * 1e9);
        Loop[] timed = loops;
        for (Loop l : loops) {
            l.t0 = t0;
            l.tEnd = tEnd;
            // throughput points stop waiting for answers 1 s after their end (bounded length); the
            // latency point waits for every answer up to the timeout
            l.graceNs = experiment.equals("latency") ? cfg.timeoutMs * 1_000_000L : Math.min(cfg.timeoutMs, 1000) * 1_000_000L;
        }
        long[] cpu0 = cpuTicks(t.pids);
        long jit0 = jitTicks(t.pids);
        long self0 = selfTicks();
        Thread[] threads = new Thread[nLoops];
        for (int l = 0; l < nLoops; l++) {
            threads[l] = Thread.ofPlatform().daemon().name("radon-loop-" + l).start(timed[l]);
        }
        long joinBy = tEnd + cfg.timeoutMs * 1_000_000L + 5_000_000_000L;
        for (Thread th : threads) {
            long left = joinBy - System.nanoTime();
            th.join(Math.max(1, left / 1_000_000));
        }
        long[] cpu1 = cpuTicks(t.pids);
        long jit1 = jitTicks(t.pids);
        long self1 = selfTicks();
        for (int l = 0; l < nLoops; l++) {
            if (threads[l].isAlive()) {
                timed[l].error("stuck", "client loop " + l + " did not finish within the timeout after the end");
                threads[l].interrupt();
            }
        }
        res.serverCpuS = cpu0 == null || cpu1 == null ? Double.NaN : (sum(cpu1) - sum(cpu0)) / (double) cfg.hz;
        res.jitCpuS = jit0 < 0 || jit1 < 0 ? Double.NaN : Math.max(0, jit1 - jit0) / (double) cfg.hz;
        res.clientCpuS = self0 < 0 || self1 < 0 ? Double.NaN : (self1 - self0) / (double) cfg.hz;
        res.load1 = loadAvg1();
        int[] sizes = new int[3];
        for (Loop c : timed) {
            res.ok += c.ok;
            res.okLate += c.okLate;
            res.errors += c.errors;
            res.wrong += c.wrong;
            res.unfinished += c.unfinished;
            for (int op = 0; op < 3; op++) {
                res.opCount[op] += c.opCount[op];
                res.opMiss[op] += c.opMiss[op];
                sizes[op] += c.lat[op].n;
            }
            c.errorKinds.forEach((k, v) -> res.errorKinds.merge(k, v, Long::sum));
            if (res.firstError == null && c.firstError != null) {
                res.firstError = c.firstError;
            }
        }
        for (int op = 0; op < 3; op++) {
            long[] a = new long[sizes[op]];
            int k = 0;
            for (Loop c : timed) {
                System.arraycopy(c.lat[op].a, 0, a, k, c.lat[op].n);
                k += c.lat[op].n;
            }
            Arrays.sort(a);
            res.latOp[op] = a;
        }
        long[] allLat = new long[sizes[0] + sizes[1] + sizes[2]];
        int k = 0;
        for (int op = 0; op < 3; op++) {
            System.arraycopy(res.latOp[op], 0, allLat, k, res.latOp[op].length);
            k += res.latOp[op].length;
        }
        Arrays.sort(allLat);
        res.lat = allLat;
        return res;
    }

    // ------------------------------------------------------------------ /proc

    static long[] cpuTicks(List<Long> pids) {
        if (pids.isEmpty()) {
            return null;
        }
        long[] out = new long[pids.size()];
        for (int i = 0; i < pids.size(); i++) {
            long v = ticksOf("/proc/" + pids.get(i) + "/stat");
            if (v < 0) {
                return null;
            }
            out[i] = v;
        }
        return out;
    }

    /**
     * CPU ticks of the JIT compiler threads ({@code C1/C2 CompilerThreadN}) of these processes; -1
     * if there are none to read. (A compiler thread that exits takes its ticks along: HotSpot stops
     * idle extra ones, so this can undercount a little, never overcount.)
     */
    static long jitTicks(List<Long> pids) {
        if (pids.isEmpty()) {
            return -1;
        }
        long total = 0;
        for (long pid : pids) {
            try (var tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : tasks) {
                    String comm;
                    try {
                        comm = Files.readString(task.resolve("comm"));
                    } catch (IOException e) {
                        continue; // the thread ended
                    }
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        total += Math.max(0, ticksOf(task.resolve("stat").toString()));
                    }
                }
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return total;
    }

    static long selfTicks() {
        return ticksOf("/proc/self/stat");
    }

    static long ticksOf(String file) {
        try {
            String s = Files.readString(Path.of(file));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    static double loadAvg1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static String loadAvgText() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    // ------------------------------------------------------------------ statistics

    /** Nearest rank on sorted values; NaN if there are none. */
    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    static double ms(double ns) {
        return ns / 1e6;
    }

    static Result best(List<Result> rs, String system) {
        Result b = null;
        for (Result r : rs) {
            if (r.system.equals(system) && (b == null || r.throughput() > b.throughput())) {
                b = r;
            }
        }
        return b;
    }

    static Result find(List<Result> rs, String system, int clients, int rate) {
        for (Result r : rs) {
            if (r.system.equals(system) && r.clients == clients && r.rate == rate) {
                return r;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ report

    static void report(Config cfg, List<Result> tput, List<Result> lat, List<String> failed, List<Result> all, double elapsed)
            throws IOException {
        List<String> names = cfg.targets.stream().map(t -> t.name).toList();
        PrintTable out = new PrintTable();
        out.line("");
        out.line(String.format(Locale.ROOT, "(a) throughput, requests/s answered (echo: 2xx with the body; kv: 2xx, or 404 for a key"
                + " never put), %s s per point, clients x target rate per client; the systems in turn at each point", num(cfg.seconds)));
        StringBuilder h = new StringBuilder(String.format("    %7s %8s %9s |", "clients", "rate/cl", "offered"));
        for (String n : names) {
            h.append(String.format(" %10s", n));
        }
        h.append(" |");
        boolean hasAtom = names.contains("atom-echo");
        boolean hasKv = names.contains("kv");
        if (hasAtom) {
            h.append(String.format(" %14s", "atom-echo/echo"));
        }
        if (hasKv && hasAtom) {
            h.append(String.format(" %12s", "kv/atom-echo"));
        }
        h.append("  errors");
        out.line(h.toString());
        List<int[]> seen = new ArrayList<>();
        for (Result r : tput) {
            if (seen.stream().anyMatch(p -> p[0] == r.clients && p[1] == r.rate)) {
                continue;
            }
            seen.add(new int[] {r.clients, r.rate});
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "    %7d %8d %9d |", r.clients, r.rate, (long) r.clients * r.rate));
            StringBuilder errs = new StringBuilder();
            for (String n : names) {
                Result x = find(tput, n, r.clients, r.rate);
                row.append(String.format(Locale.ROOT, " %10.0f", x == null ? Double.NaN : x.throughput()));
                if (x != null && (x.errors > 0 || x.unfinished > 0)) {
                    errs.append(" ").append(n).append(":").append(x.errors);
                    if (x.unfinished > 0) {
                        errs.append("+").append(x.unfinished).append("u");
                    }
                }
            }
            row.append(" |");
            Result e = find(tput, "echo", r.clients, r.rate);
            Result a = find(tput, "atom-echo", r.clients, r.rate);
            Result k = find(tput, "kv", r.clients, r.rate);
            if (hasAtom) {
                row.append(String.format(Locale.ROOT, " %14s", ratioText(a, e)));
            }
            if (hasKv && hasAtom) {
                row.append(String.format(Locale.ROOT, " %12s", ratioText(k, a)));
            }
            row.append("  ").append(errs.length() == 0 ? "0" : errs.toString().trim());
            out.line(row.toString());
        }
        out.line("    maximum per system (the figure the paper reports), with the server CPU per request (all processes of the system,"
                + " /proc) and this client's:");
        for (String n : names) {
            Result b = best(tput, n);
            if (b == null) {
                continue;
            }
            out.line(String.format(Locale.ROOT, "      %-10s %9.0f req/s at %3d clients x %5d/s  p50 %.3f ms  p99 %.3f ms  server CPU %s us/req"
                    + "  client CPU %s us/req", n, b.throughput(), b.clients, b.rate, ms(pct(b.lat, .5)), ms(pct(b.lat, .99)),
                    cpuPerReq(b.serverCpuS, b), cpuPerReq(b.clientCpuS, b)));
        }
        long errTotal = tput.stream().mapToLong(r -> r.errors).sum();
        long unfinished = tput.stream().mapToLong(r -> r.unfinished).sum();
        if (errTotal > 0 || unfinished > 0) {
            out.line("    errors in (a): " + errTotal + " (" + errorSummary(tput) + ")"
                    + (unfinished > 0 ? "; +Nu: N requests still unanswered 1 s after the point's end (abandoned, not counted)" : ""));
        }

        out.line("");
        out.line(String.format(Locale.ROOT, "(b) latency at %d clients x %d requests/s each for %s s (the paper's load below saturation), ms,"
                + " nearest rank; served = share of the offered %d requests/s", cfg.latClients, cfg.latRate, num(cfg.latSeconds),
                (long) cfg.latClients * cfg.latRate));
        out.line(String.format("    %-10s %9s %9s %6s | %8s %8s %8s %8s %8s | %s", "system", "requests", "req/s", "served", "p50", "p90", "p99",
                "p99.9", "max", "errors"));
        List<String> saturated = new ArrayList<>();
        for (Result r : lat) {
            double served = r.throughput() / ((double) r.clients * r.rate);
            if (served < 0.95) {
                saturated.add(String.format(Locale.ROOT, "%s served %.0f %%", r.system, 100 * served));
            }
            out.line(String.format(Locale.ROOT, "    %-10s %9d %9.0f %5.0f%% | %8.3f %8.3f %8.3f %8.3f %8.3f | %d%s", r.system, r.ok + r.okLate,
                    r.throughput(), 100 * served, ms(pct(r.lat, .5)), ms(pct(r.lat, .9)), ms(pct(r.lat, .99)), ms(pct(r.lat, .999)),
                    ms(pct(r.lat, 1)), r.errors, (r.errors > 0 ? " (" + r.errorKinds + ")" : "")
                            + (r.unfinished > 0 ? ", " + r.unfinished + " unanswered within the timeout" : "")));
            if (r.system.equals("kv")) {
                for (int op = 0; op < 3; op++) {
                    long[] l = r.latOp[op];
                    out.line(String.format(Locale.ROOT, "      %-12s %7d %9s %6s | %8.3f %8.3f %8.3f %8.3f %8.3f | misses (404) %d", OP_NAMES[op],
                            l.length, "", "", ms(pct(l, .5)), ms(pct(l, .9)), ms(pct(l, .99)), ms(pct(l, .999)), ms(pct(l, 1)), r.opMiss[op]));
                }
            }
        }
        if (!saturated.isEmpty()) {
            out.line("    saturated here (" + String.join(", ", saturated) + " of the offered load): those latencies include queueing");
        }

        // the comparison with the paper
        Result be = best(tput, "echo");
        Result ba = best(tput, "atom-echo");
        Result bk = best(tput, "kv");
        Double r1 = ratio(ba, be);
        Double r2 = ratio(bk, ba);
        Result lk = lat.stream().filter(r -> r.system.equals("kv")).findFirst().orElse(null);
        Double kvP99 = lk == null || lk.lat.length == 0 ? null : ms(pct(lk.lat, .99));
        out.line("");
        out.line("(c) against the paper (Radon, section IV-B: Rust + Wasmer, 3 nodes on one AMD Ryzen 9 9950X; Fig. 2 and 3)");
        out.line(String.format("    %-34s %14s %14s", "", "this run", "paper"));
        out.line(String.format(Locale.ROOT, "    %-34s %14s %14s", "max throughput echo, req/s", be == null ? "n/a" : String.format(Locale.ROOT, "%.0f", be.throughput()), "~700000"));
        out.line(String.format(Locale.ROOT, "    %-34s %14s %14s", "max throughput atom-echo, req/s", ba == null ? "n/a" : String.format(Locale.ROOT, "%.0f", ba.throughput()), "~540000"));
        out.line(String.format(Locale.ROOT, "    %-34s %14s %14s", "max throughput kv, req/s", bk == null ? "n/a" : String.format(Locale.ROOT, "%.0f", bk.throughput()), "~280000"));
        out.line(String.format(Locale.ROOT, "    %-34s %14s %14s", "atom-echo/echo (runtime overhead)", fmt2(r1), String.format(Locale.ROOT, "%.2f", PAPER_RADON_ECHO / PAPER_ECHO)));
        out.line(String.format(Locale.ROOT, "    %-34s %14s %14s", "kv/atom-echo (the application)", fmt2(r2), String.format(Locale.ROOT, "%.2f", PAPER_KV / PAPER_RADON_ECHO)));
        out.line(String.format(Locale.ROOT, "    %-34s %14s %14s", "kv p99 at 16 x 500/s, ms", fmt2(kvP99), "< 1 (Fig. 3)"));
        out.line("    absolute figures are this machine's (2 shared cores for every server, NATS and the client): compare the ratios");
        if (!failed.isEmpty()) {
            out.line("");
            for (String f : failed) {
                out.line("NOT MEASURED: " + f);
            }
        }

        // files
        Files.createDirectories(cfg.out);
        Path json = cfg.out.resolve("results.json");
        Files.writeString(json, json(cfg, all, be, ba, bk, r1, r2, kvP99, failed, elapsed));
        List<String> pngs = plots(cfg, tput, lat);
        out.line("");
        out.line("results: " + json + "; plots: " + String.join(", ", pngs) + String.format(Locale.ROOT, " (load: %.0f s)", elapsed));

        String summary = "summary atom-echo/echo=" + fmt2(r1) + " kv/atom-echo=" + fmt2(r2) + " kv-p99-ms=" + fmt2(kvP99);
        writeSummary(cfg, summary);
        System.out.flush();
    }

    static void writeSummary(Config cfg, String summary) throws IOException {
        if (cfg.summary != null) {
            Files.writeString(cfg.summary, summary + "\n");
        } else {
            System.out.println(summary);
        }
    }

    static String cpuPerReq(double cpuS, Result r) {
        long n = r.ok + r.okLate + r.errors;
        if (Double.isNaN(cpuS) || n == 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.0f", cpuS * 1e6 / n);
    }

    static String errorSummary(List<Result> rs) {
        Map<String, Long> m = new TreeMap<>();
        String first = null;
        for (Result r : rs) {
            r.errorKinds.forEach((k, v) -> m.merge(r.system + " " + k, v, Long::sum));
            if (first == null && r.firstError != null) {
                first = r.system + ": " + r.firstError;
            }
        }
        return m + (first == null ? "" : "; first: " + first);
    }

    static Double ratio(Result a, Result b) {
        if (a == null || b == null || b.throughput() <= 0) {
            return null;
        }
        return a.throughput() / b.throughput();
    }

    static String ratioText(Result a, Result b) {
        return fmt2(ratio(a, b));
    }

    static String fmt2(Double v) {
        return v == null || v.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static final class PrintTable {
        void line(String s) {
            System.out.println(s);
        }
    }

    // ------------------------------------------------------------------ plots

    static List<String> plots(Config cfg, List<Result> tput, List<Result> lat) {
        List<String> files = new ArrayList<>();
        String machine = String.format(Locale.ROOT, "%d cores, JDK %s, %s. Every server, NATS and the load generator share these cores:"
                + " compare the systems (ratios), not the absolute figures", Runtime.getRuntime().availableProcessors(),
                Runtime.version().feature(), Instant.now().truncatedTo(ChronoUnit.MINUTES));
        try {
            // throughput vs clients, one line per system and rate per client
            RadonPlot p = new RadonPlot("(a) Throughput vs clients (closed loop, rate-limited per client)", "clients",
                    "requests/s (log)", RadonPlot.LOG2, RadonPlot.LOG10);
            for (Target t : cfg.targets) {
                int style = 0;
                int[] rates = cfg.rates.clone();
                Arrays.sort(rates);
                for (int k = rates.length - 1; k >= 0; k--) {
                    int rate = rates[k];
                    List<double[]> pts = new ArrayList<>();
                    for (int c : sorted(cfg.clients)) {
                        Result r = find(tput, t.name, c, rate);
                        if (r != null) {
                            pts.add(new double[] {c, r.throughput()});
                        }
                    }
                    p.add(new RadonPlot.Series(t.name + " " + rateText(rate) + "/s per client", t.color, style++, true, pts));
                }
            }
            p.note(String.format(Locale.ROOT, "%s s per point; %s", num(cfg.seconds), cfg.label.isEmpty() ? "bench/radon" : "bench/radon " + cfg.label));
            p.note(machine);
            File f = cfg.out.resolve("throughput-clients.png").toFile();
            p.write(f);
            files.add(f.getPath());

            // throughput vs rate per client at the sweep's clients
            RadonPlot q = new RadonPlot("(a) Throughput vs target rate per client, " + cfg.sweepClients + " clients",
                    "target rate per client, requests/s (log)", "requests/s (log)", RadonPlot.LOG10, RadonPlot.LOG10);
            for (Target t : cfg.targets) {
                List<double[]> pts = new ArrayList<>();
                for (Result r : tput) {
                    if (r.system.equals(t.name) && r.clients == cfg.sweepClients) {
                        pts.add(new double[] {r.rate, r.throughput()});
                    }
                }
                pts.sort((x, y) -> Double.compare(x[0], y[0]));
                q.add(new RadonPlot.Series(t.name, t.color, 0, true, pts));
            }
            List<double[]> offered = new ArrayList<>();
            for (int rate : allRates(cfg)) {
                offered.add(new double[] {rate, (double) rate * cfg.sweepClients});
            }
            q.add(new RadonPlot.Series("offered (clients x rate)", Color.GRAY, 2, false, offered));
            q.note(machine);
            f = cfg.out.resolve("throughput-rate.png").toFile();
            q.write(f);
            files.add(f.getPath());

            // latency CDF
            RadonPlot c = new RadonPlot(String.format(Locale.ROOT, "(b) Latency distribution, %d clients x %d requests/s, %s s",
                    cfg.latClients, cfg.latRate, num(cfg.latSeconds)), "latency, ms (log)", "fraction of requests", RadonPlot.LOG10,
                    RadonPlot.LINEAR).yRange(0, 1);
            for (Target t : cfg.targets) {
                Result r = lat.stream().filter(x -> x.system.equals(t.name)).findFirst().orElse(null);
                if (r == null) {
                    continue;
                }
                c.add(new RadonPlot.Series(r.system, t.color, 0, false, cdf(r.lat)));
                if (t.kv) {
                    for (int op = 0; op < 3; op++) {
                        c.add(new RadonPlot.Series(t.name + " " + OP_NAMES[op], t.color.brighter(), op + 1, false, cdf(r.latOp[op])));
                    }
                }
            }
            c.note(machine);
            f = cfg.out.resolve("latency-cdf.png").toFile();
            c.write(f);
            files.add(f.getPath());
        } catch (IOException | RuntimeException e) {
            System.out.println("note: the plots could not be written: " + e);
        }
        return files;
    }

    static int[] sorted(int[] a) {
        int[] b = a.clone();
        Arrays.sort(b);
        return b;
    }

    static int[] allRates(Config cfg) {
        return Arrays.stream(concat(cfg.rates, cfg.sweepRates)).distinct().sorted().toArray();
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static String rateText(int rate) {
        return rate >= 1000 && rate % 1000 == 0 ? rate / 1000 + "k" : Integer.toString(rate);
    }

    /** Points (latency ms, fraction of requests at most that) for a CDF: about 400, denser in the tail. */
    static List<double[]> cdf(long[] sorted) {
        List<double[]> pts = new ArrayList<>();
        int n = sorted.length;
        if (n == 0) {
            return pts;
        }
        List<Double> qs = new ArrayList<>();
        for (int i = 0; i <= 300; i++) {
            qs.add(i / 300.0);
        }
        for (double q : new double[] {0.995, 0.998, 0.999, 0.9995, 0.9999}) {
            qs.add(q);
        }
        qs.sort(Double::compare);
        for (double q : qs) {
            int idx = Math.max(0, Math.min(n - 1, (int) Math.ceil(q * n) - 1));
            pts.add(new double[] {sorted[idx] / 1e6, (idx + 1) / (double) n});
        }
        return pts;
    }

    // ------------------------------------------------------------------ JSON

    static String json(Config cfg, List<Result> all, Result be, Result ba, Result bk, Double r1, Double r2, Double kvP99,
            List<String> failed, double elapsed) {
        Json j = new Json();
        j.open();
        j.key("bench").str("bench/radon");
        j.key("label").str(cfg.label);
        j.key("date").str(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        j.key("machine").open();
        j.key("cores").num(Runtime.getRuntime().availableProcessors());
        j.key("jdk").str(Runtime.version().toString());
        j.key("loadavg_end").str(loadAvgText());
        j.close();
        j.key("config").open();
        j.key("clients").ints(cfg.clients);
        j.key("rates").ints(cfg.rates);
        j.key("rate_sweep_clients").num(cfg.sweepClients);
        j.key("rate_sweep_rates").ints(cfg.sweepRates);
        j.key("seconds_per_point").num(cfg.seconds);
        j.key("latency_point").open().key("clients").num(cfg.latClients).key("rate").num(cfg.latRate).key("seconds").num(cfg.latSeconds).close();
        j.key("warmup_seconds").num(cfg.warmup);
        j.key("steady_max_seconds").num(cfg.steadyMax);
        j.key("keyspace").num(cfg.keyspace);
        j.key("value_bytes").num(cfg.valueBytes);
        j.key("echo_body_bytes").num(ECHO_BODY.length);
        j.key("timeout_ms").num(cfg.timeoutMs);
        j.key("kv_verify").bool(cfg.kvVerify);
        j.key("mix").str("kv: 20% PUT random key, 40% GET random key, 40% GET one of the 100 keys most recently put; echo: POST 11 bytes");
        j.key("systems").open();
        for (Target t : cfg.targets) {
            j.key(t.name).open();
            j.key("kind").str(t.kv ? "kv" : "echo");
            j.key("urls").strs(t.endpoints.stream().map(e -> "http://" + e.hostHeader() + e.path()).toList());
            j.key("pids").longs(t.pids);
            j.close();
        }
        j.close();
        j.close();
        j.key("paper").open();
        j.key("echo_rps").num(PAPER_ECHO).key("radon_echo_rps").num(PAPER_RADON_ECHO).key("kv_rps").num(PAPER_KV);
        j.key("atom-echo/echo").num(PAPER_RADON_ECHO / PAPER_ECHO).key("kv/atom-echo").num(PAPER_KV / PAPER_RADON_ECHO);
        j.close();
        j.key("points").array();
        for (Result r : all) {
            j.item().open();
            j.key("experiment").str(r.experiment);
            j.key("system").str(r.system);
            j.key("clients").num(r.clients);
            j.key("rate_per_client").num(r.rate);
            j.key("seconds").num(r.seconds);
            j.key("start").str(r.start);
            j.key("throughput").num(r.throughput());
            j.key("ok").num(r.ok);
            j.key("ok_after_end").num(r.okLate);
            j.key("errors").num(r.errors);
            j.key("wrong_answers").num(r.wrong);
            j.key("unfinished").num(r.unfinished);
            j.key("error_kinds").open();
            r.errorKinds.forEach((k, v) -> j.key(k).num(v));
            j.close();
            if (r.firstError != null) {
                j.key("first_error").str(r.firstError);
            }
            latencyFields(j, r.lat);
            if (cfg.targets.stream().anyMatch(t -> t.name.equals(r.system) && t.kv)) {
                j.key("ops").open();
                for (int op = 0; op < 3; op++) {
                    j.key(OP_NAMES[op]).open();
                    j.key("count").num(r.opCount[op]);
                    j.key("misses_404").num(r.opMiss[op]);
                    latencyFields(j, r.latOp[op]);
                    j.close();
                }
                j.close();
            }
            j.key("server_cpu_s").num(r.serverCpuS);
            j.key("server_jit_cpu_s").num(r.jitCpuS);
            j.key("client_cpu_s").num(r.clientCpuS);
            j.key("loadavg1_after").num(r.load1);
            j.key("node_of_client").ints(r.nodeOfClient);
            if (r.experiment.equals("latency")) {
                j.key("cdf_ms_fraction").array();
                for (double[] p : cdf(r.lat)) {
                    j.item().raw("[" + Json.number(p[0]) + "," + Json.number(p[1]) + "]");
                }
                j.end();
            }
            j.close();
        }
        j.end();
        j.key("summary").open();
        j.key("max_throughput").open();
        if (be != null) {
            j.key("echo").num(be.throughput());
        }
        if (ba != null) {
            j.key("atom-echo").num(ba.throughput());
        }
        if (bk != null) {
            j.key("kv").num(bk.throughput());
        }
        j.close();
        j.key("atom-echo/echo").num(r1 == null ? Double.NaN : r1);
        j.key("kv/atom-echo").num(r2 == null ? Double.NaN : r2);
        j.key("kv_p99_ms").num(kvP99 == null ? Double.NaN : kvP99);
        j.key("not_measured").strs(failed);
        j.key("load_seconds").num(elapsed);
        j.close();
        j.close();
        return j.toString() + "\n";
    }

    static void latencyFields(Json j, long[] lat) {
        j.key("latency_ms").open();
        j.key("n").num(lat.length);
        j.key("p50").num(ms(pct(lat, .5)));
        j.key("p90").num(ms(pct(lat, .9)));
        j.key("p99").num(ms(pct(lat, .99)));
        j.key("p99.9").num(ms(pct(lat, .999)));
        j.key("max").num(ms(pct(lat, 1)));
        double mean = Double.NaN;
        if (lat.length > 0) {
            double s = 0;
            for (long v : lat) {
                s += v;
            }
            mean = s / lat.length / 1e6;
        }
        j.key("mean").num(mean);
        j.close();
    }

    /** A small JSON writer (no dependency): objects, arrays, strings, numbers (NaN as null). */
    static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private final List<Boolean> first = new ArrayList<>();
        private int depth;

        Json open() {
            sb.append('{');
            push();
            return this;
        }

        Json close() {
            pop();
            sb.append('\n').append("  ".repeat(depth)).append('}');
            return this;
        }

        Json array() {
            sb.append('[');
            push();
            return this;
        }

        Json end() {
            pop();
            sb.append('\n').append("  ".repeat(depth)).append(']');
            return this;
        }

        Json key(String k) {
            comma();
            sb.append(quote(k)).append(": ");
            return this;
        }

        Json item() {
            comma();
            return this;
        }

        Json str(String s) {
            sb.append(quote(s));
            return this;
        }

        Json num(double v) {
            sb.append(number(v));
            return this;
        }

        Json bool(boolean b) {
            sb.append(b);
            return this;
        }

        Json raw(String s) {
            sb.append(s);
            return this;
        }

        Json ints(int[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                sb.append(i == 0 ? "" : ",").append(a[i]);
            }
            sb.append(']');
            return this;
        }

        Json longs(List<Long> a) {
            sb.append('[');
            for (int i = 0; i < a.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(a.get(i));
            }
            sb.append(']');
            return this;
        }

        Json strs(List<String> a) {
            sb.append('[');
            for (int i = 0; i < a.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(quote(a.get(i)));
            }
            sb.append(']');
            return this;
        }

        private void push() {
            first.add(true);
            depth++;
        }

        private void pop() {
            first.remove(first.size() - 1);
            depth--;
        }

        private void comma() {
            int last = first.size() - 1;
            if (!first.get(last)) {
                sb.append(',');
            }
            first.set(last, false);
            sb.append('\n').append("  ".repeat(depth));
        }

        static String number(double v) {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return "null";
            }
            if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                return Long.toString((long) v);
            }
            return String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e").replaceAll("\\.$", "");
        }

        static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }

    // ------------------------------------------------------------------ arguments

    static Config parse(String[] args) {
        Config c = new Config();
        Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728)};
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--system" -> {
                    need(a, v);
                    int eq = v.indexOf('=');
                    int at = v.indexOf('@');
                    if (eq <= 0 || at < eq) {
                        usage("--system NAME=KIND@URL[,URL...], got " + v);
                    }
                    String name = v.substring(0, eq);
                    String kind = v.substring(eq + 1, at);
                    if (!kind.equals("echo") && !kind.equals("kv")) {
                        usage("--system: KIND is echo or kv, got " + kind);
                    }
                    List<Endpoint> eps = new ArrayList<>();
                    for (String u : v.substring(at + 1).split(",")) {
                        URI uri = URI.create(u.trim());
                        if (!"http".equals(uri.getScheme()) || uri.getPort() <= 0) {
                            usage("--system: not an http URL with a port: " + u);
                        }
                        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
                        if (kind.equals("kv") && path.endsWith("/")) {
                            path = path.substring(0, path.length() - 1);
                        }
                        eps.add(new Endpoint(uri.getHost(), uri.getPort(), path));
                    }
                    Color col = switch (name) {
                        case "echo" -> colors[0];
                        case "atom-echo" -> colors[1];
                        case "kv" -> colors[2];
                        default -> colors[3];
                    };
                    c.targets.add(new Target(name, kind.equals("kv"), eps, col));
                    i++;
                }
                case "--pids" -> {
                    need(a, v);
                    int eq = v.indexOf('=');
                    List<Long> ps = new ArrayList<>();
                    for (String p : v.substring(eq + 1).split(",")) {
                        if (!p.isBlank()) {
                            ps.add(Long.parseLong(p.trim()));
                        }
                    }
                    c.pids.put(v.substring(0, eq), ps);
                    i++;
                }
                case "--clients" -> {
                    c.clients = ints(a, v);
                    i++;
                }
                case "--rates" -> {
                    c.rates = ints(a, v);
                    i++;
                }
                case "--rate-sweep" -> {
                    need(a, v);
                    int colon = v.indexOf(':');
                    if (colon <= 0) {
                        usage("--rate-sweep CLIENTS:RATE,RATE,..");
                    }
                    c.sweepClients = Integer.parseInt(v.substring(0, colon));
                    c.sweepRates = colon == v.length() - 1 ? new int[0] : ints(a, v.substring(colon + 1));
                    i++;
                }
                case "--seconds" -> {
                    c.seconds = dbl(a, v);
                    i++;
                }
                case "--lat" -> {
                    need(a, v);
                    String[] f = v.split("x");
                    if (f.length != 3) {
                        usage("--lat CLIENTSxRATExSECONDS, e.g. 16x500x20");
                    }
                    c.latClients = Integer.parseInt(f[0]);
                    c.latRate = Integer.parseInt(f[1]);
                    c.latSeconds = Double.parseDouble(f[2]);
                    i++;
                }
                case "--warmup" -> {
                    c.warmup = dbl(a, v);
                    i++;
                }
                case "--steady-max" -> {
                    c.steadyMax = dbl(a, v);
                    i++;
                }
                case "--out" -> {
                    need(a, v);
                    c.out = Path.of(v);
                    i++;
                }
                case "--summary" -> {
                    need(a, v);
                    c.summary = Path.of(v);
                    i++;
                }
                case "--keyspace" -> {
                    c.keyspace = (int) dbl(a, v);
                    i++;
                }
                case "--timeout-ms" -> {
                    c.timeoutMs = (int) dbl(a, v);
                    i++;
                }
                case "--max-seconds" -> {
                    c.maxSeconds = (long) dbl(a, v);
                    i++;
                }
                case "--hz" -> {
                    c.hz = (int) dbl(a, v);
                    i++;
                }
                case "--label" -> {
                    need(a, v);
                    c.label = v;
                    i++;
                }
                case "--kv-no-verify" -> c.kvVerify = false;
                case "--warm-up-only" -> c.warmUpOnly = true;
                case "--loops" -> {
                    c.loops = (int) dbl(a, v);
                    i++;
                }
                default -> usage("unknown argument " + a);
            }
        }
        if (c.targets.isEmpty()) {
            usage("no --system");
        }
        for (int x : concat(concat(c.clients, c.rates), c.sweepRates)) {
            if (x <= 0) {
                usage("clients and rates must be > 0");
            }
        }
        if (c.seconds <= 0 || c.latSeconds <= 0 || c.keyspace <= 0 || c.timeoutMs <= 0) {
            usage("seconds, keyspace and timeout must be > 0");
        }
        return c;
    }

    static void need(String a, String v) {
        if (v == null) {
            usage(a + " needs a value");
        }
    }

    static int[] ints(String a, String v) {
        need(a, v);
        try {
            return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            usage(a + ": not a list of numbers: " + v);
            return null;
        }
    }

    static double dbl(String a, String v) {
        need(a, v);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            usage(a + ": not a number: " + v);
            return 0;
        }
    }

    static void usage(String why) {
        System.err.println("RadonLoad: " + why);
        System.err.println("usage: RadonLoad --system NAME=echo|kv@URL[,URL..] ... [--pids NAME=PID,..] [--clients L] [--rates L]"
                + " [--rate-sweep C:L] [--seconds S] [--lat CxRxS] [--warmup S] [--steady-max S] [--out DIR] [--summary FILE] [--keyspace N]"
                + " [--timeout-ms N] [--loops N] [--max-seconds N] [--hz N] [--label TEXT] [--kv-no-verify] [--warm-up-only]");
        System.exit(2);
    }
}
