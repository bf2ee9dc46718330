package io.atoll.cli.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One nats-server process started from a config file generated from a template in
 * {@code src/test/resources/cluster/} (placeholders {@code ${NAME}} etc.), on free loopback ports,
 * logging to {@code <dir>/<name>.log}. Its monitoring port answers {@code /varz}, which tells
 * whether its leaf link is up.
 */
public final class NatsProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern LEAFNODES = Pattern.compile("\"leafnodes\"\\s*:\\s*(\\d+)");

    private final String name;
    private final Path config;
    private final Path log;
    private final int port;
    private final int httpPort;
    private final Map<String, String> values;
    private Process process;

    private NatsProcess(String name, Path config, Path log, int port, int httpPort, Map<String, String> values) {
        this.name = name;
        this.config = config;
        this.log = log;
        this.port = port;
        this.httpPort = httpPort;
        this.values = values;
    }

    /**
     * Writes {@code <dir>/<name>.conf} from the template and starts the server; returns once it
     * accepts clients. {@code extra} fills the template's other placeholders. A port taken between
     * choosing and binding it (another process won the race) is retried with fresh ports.
     */
    static NatsProcess start(String template, String name, Path dir, Map<String, String> extra) {
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            Map<String, String> values = new LinkedHashMap<>(extra);
            values.put("NAME", name);
            values.put("PORT", String.valueOf(freePort()));
            values.put("HTTP_PORT", String.valueOf(freePort()));
            values.put("STORE_DIR", dir.resolve("js-" + name).toString());
            values.replaceAll((k, v) -> v.startsWith("free-port") ? String.valueOf(freePort()) : v);
            Path config = dir.resolve(name + ".conf");
            Path log = dir.resolve(name + ".log");
            try {
                Files.writeString(config, fill(template, values));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            NatsProcess p = new NatsProcess(name, config, log, Integer.parseInt(values.get("PORT")),
                    Integer.parseInt(values.get("HTTP_PORT")), Map.copyOf(values));
            try {
                p.launch();
                return p;
            } catch (IllegalStateException e) {
                p.close();
                last = e;
                if (!e.getMessage().contains("address already in use")) {
                    throw e;
                }
            }
        }
        throw last;
    }

    /** The template text of {@code cluster/<file>} from the test resources. */
    static String template(String file) {
        try (InputStream in = NatsProcess.class.getResourceAsStream("/cluster/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource cluster/" + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fill(String template, Map<String, String> values) {
        String text = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            text = text.replace("${" + e.getKey() + "}", e.getValue());
        }
        Matcher left = Pattern.compile("\\$\\{[A-Z_]+}").matcher(text);
        if (left.find()) {
            throw new IllegalArgumentException("template placeholder not filled: " + left.group());
        }
        return text;
    }

    public String name() {
        return name;
    }

    /** For clients and {@code --fabric}: {@code nats://127.0.0.1:PORT}. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A value the config was generated with (e.g. {@code LEAF_PORT}). */
    public String value(String key) {
        return values.get(key);
    }

    public Path config() {
        return config;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** Leaf connections this server has right now (its {@code /varz}); -1 if it does not answer. */
    public int leafConnections() {
        try {
            String varz = Http.get("http://127.0.0.1:" + httpPort + "/varz", Duration.ofSeconds(2)).body();
            Matcher m = LEAFNODES.matcher(varz);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The last {@code lines} lines of its log. */
    public String logTail(int lines) {
        return ClusterHarness.tail(log, lines);
    }

    private void launch() {
        try {
            process = new ProcessBuilder(io.atoll.fabric.NatsServer.binary().toString(), "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long end = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nats-server " + name + " exited at start; " + config + ":\n"
                        + readQuietly(config) + "\nlog tail:\n" + logTail(30));
            }
            if (accepts()) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException("nats-server " + name + " did not listen on " + port + " within "
                + START_TIMEOUT.toSeconds() + " s; log tail:\n" + logTail(30));
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL and wait (bounded). */
    @Override
    public void close() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "nats-server " + name + " (" + url() + ", log " + log + ")";
    }


    /** A loopback port free right now (another process may take it before we bind: start retries). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
