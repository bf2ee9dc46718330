package io.atoll.fabric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nats-server on a free loopback port, JetStream on (store in a temp dir) so tests of the
 * directory can use key-value later. {@link #close} always leaves no process and no files behind.
 */
public final class NatsServer implements AutoCloseable {
    private static final List<Path> LOCATIONS = List.of(Path.of("/usr/sbin/nats-server"),
            Path.of("/usr/local/bin/nats-server"), Path.of("/usr/bin/nats-server"));

    private final Path binary;
    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private Process process;

    private NatsServer(Path binary, Path dir, int port, List<String> extraArgs) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.extraArgs = extraArgs;
    }

    public static NatsServer start() {
        return start(new String[0]);
    }

    /**
     * With more nats-server arguments after the harness's own (address, port, JetStream), e.g.
     * {@code "--user", "a", "--pass", "b"} or {@code "--tls", "--tlscert", cert, "--tlskey", key};
     * kept for {@link #restart}.
     */
    public static NatsServer start(String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("atoll-nats");
            NatsServer s = new NatsServer(binary(), dir, freePort(), List.of(extraArgs));
            s.launch();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** SIGTERM: the server shuts down cleanly. */
    public void stop() {
        end(false);
    }

    /** SIGKILL: gone at once, like a crashed host. */
    public void kill() {
        end(true);
    }

    /** Starts again on the same port with the same JetStream store. */
    public void restart() {
        end(false);
        launch();
    }

    @Override
    public void close() {
        end(true);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temp dir
        }
    }

    private void launch() {
        Path log = dir.resolve("nats-server.log");
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "-a", "127.0.0.1",
                "-p", String.valueOf(port), "-js", "-sd", dir.resolve("js").toString()));
        command.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            process = pb.start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("nats-server exited: " + Files.readString(log));
                }
                if (accepts()) {
                    return;
                }
                Thread.onSpinWait();
                TimeUnit.MILLISECONDS.sleep(20); // polling a port, not waiting for an outcome
            }
            end(true);
            throw new IllegalStateException("nats-server did not listen on " + port + ": " + Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end(true);
            throw new IllegalStateException(e);
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void end(boolean force) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        if (force) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    /** The nats-server executable (PATH, then the usual places); shared with the process-level harness. */
    public static Path binary() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "nats-server"))) {
                return Path.of(d, "nats-server");
            }
        }
        for (Path p : LOCATIONS) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("nats-server not found on PATH, /usr/sbin or /usr/local/bin: "
                + "run scripts/setup-toolchain.sh nats");
    }

    /** A port free right now on loopback (a tiny race with other processes is accepted in tests). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
