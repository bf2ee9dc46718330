package io.atoll.cli.cluster;

import io.atoll.cli.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code atoll node start} process: a JVM running {@link Main} with the test class path. Each
 * run (the first start and every {@link ClusterHarness#restart}) writes its own log,
 * {@code node-<name>-<run>.log}; the data directory stays the same across runs.
 */
public final class NodeProcess {
    /**
     * JVM flags of a node under test. Several nodes share a 2-core machine with the test JVM and
     * nats-server, so: a small heap (a node with no atoms needs a few tens of MB), the serial
     * collector (no GC threads competing for the cores) and C1 only (no C2 compile threads; the
     * node code runs briefly, peak speed does not matter). Measured with three nodes starting at
     * once: ready in ~3.2 s instead of ~4.2 s with {@code -Xmx512m} alone; one node alone starts
     * in ~1.5 s either way.
     */
    static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m",
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");

    private final String name;
    private final String zone;
    private final List<String> tags;
    private final NatsProcess server;
    private final Path dataDir;
    private final Path logDir;
    private final Duration downAfter;
    private int run;
    private Path log;
    private Process process;
    private volatile String url;

    NodeProcess(String name, String zone, List<String> tags, NatsProcess server, Path dataDir, Path logDir,
            Duration downAfter) {
        this.name = name;
        this.zone = zone;
        this.tags = List.copyOf(tags);
        this.server = server;
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.downAfter = downAfter;
    }

    /** Starts a new run (does not wait: see {@link #awaitReady}). */
    synchronized void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + name + " is still running");
        }
        run++;
        url = null;
        log = logDir.resolve("node-" + name + "-" + run + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "node", "start", "--name", name, "--zone", zone, "--port", "0",
                "--data", dataDir.toString(), "--fabric", server.url(),
                "--down-after", downAfter.toMillis() + "ms"));
        if (!tags.isEmpty()) {
            cmd.add("--tags");
            cmd.add(String.join(",", tags));
        }
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the "listening on" line of this run; returns the node's URL. */
    String awaitReady(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        Process p;
        synchronized (this) {
            p = process;
        }
        while (System.nanoTime() < end) {
            String text = readLog();
            Matcher m = LISTENING.matcher(text);
            if (m.find()) {
                url = m.group(1);
                return url;
            }
            if (text.contains("Exception in thread \"main\"")) {
                // Other threads may keep the JVM alive: do not wait for it to exit.
                p.destroyForcibly();
                throw new AssertionError("node " + name + " failed to start; log " + log + ":\n" + logTail(40));
            }
            if (!p.isAlive()) {
                throw new AssertionError("node " + name + " exited with " + p.exitValue() + " before it was ready; log "
                        + log + ":\n" + logTail(40));
            }
            NatsProcess.sleep(25);
        }
        throw new AssertionError("node " + name + " not ready within " + timeout.toSeconds() + " s; log " + log
                + ":\n" + logTail(40));
    }

    /** Waits for this run to end by itself; returns its exit code. */
    int awaitExit(Duration timeout) {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (!waitGone(p, timeout)) {
            throw new AssertionError("node " + name + " still running after " + timeout.toSeconds() + " s; log " + log
                    + ":\n" + logTail(40));
        }
        return p.exitValue();
    }

    /** SIGKILL (kill -9), waits until it is gone. */
    synchronized void kill9() {
        if (process != null) {
            process.destroyForcibly();
            waitGone(process, Duration.ofSeconds(10));
        }
    }

    /** SIGTERM (the node leaves the cluster and closes); SIGKILL if it is not gone within {@code grace}. */
    synchronized boolean stop(Duration grace) {
        if (process == null) {
            return true;
        }
        process.destroy();
        if (waitGone(process, grace)) {
            return true;
        }
        process.destroyForcibly();
        waitGone(process, Duration.ofSeconds(10));
        return false;
    }

    private static boolean waitGone(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String name() {
        return name;
    }

    public String zone() {
        return zone;
    }

    public List<String> tags() {
        return tags;
    }

    public NatsProcess server() {
        return server;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The log of the current (latest) run. */
    public Path log() {
        return log;
    }

    /** Its base URL ({@code http://127.0.0.1:PORT}) once ready; the port may change across restarts. */
    public String url() {
        String u = url;
        if (u == null) {
            throw new IllegalStateException("node " + name + " is not ready (call ClusterHarness.await first)");
        }
        return u;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** "running", "not started" or "exited with N" (137 after kill -9, 143 after SIGTERM). */
    public synchronized String status() {
        if (process == null) {
            return "not started";
        }
        return process.isAlive() ? "running" : "exited with " + process.exitValue();
    }

    public String logTail(int lines) {
        return log == null ? "(not started)" : ClusterHarness.tail(log, lines);
    }

    private String readLog() {
        try {
            return new String(Files.readAllBytes(log), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return "node " + name + " (zone " + zone + ", " + (url == null ? "not ready" : url) + ", via "
                + server.name() + ")";
    }
}
