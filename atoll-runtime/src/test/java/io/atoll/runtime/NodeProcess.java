package io.atoll.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A node in its own JVM (same class path as the tests), for tests that kill it for real.
 * {@link #main} is the child's entry point: it prints "port N" once listening.
 */
public final class NodeProcess implements AutoCloseable {
    private final Process process;
    public final int port;

    private NodeProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static NodeProcess start(Path dataDir, Path log) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), NodeProcess.class.getName(), dataDir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            Process p = pb.start();
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end && p.isAlive()) {
                for (String line : Files.readAllLines(log)) {
                    if (line.startsWith("port ")) {
                        return new NodeProcess(p, Integer.parseInt(line.substring(5).trim()));
                    }
                }
                Thread.sleep(50);
            }
            p.destroyForcibly();
            throw new IllegalStateException("node process did not start: " + Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no flush, like a power cut for the process. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    public static void main(String[] args) throws Exception {
        Node node = Node.start(new NodeConfig("proc", "default", List.of(), "127.0.0.1", 0, Path.of(args[0]), null));
        System.out.println("port " + node.port());
        System.out.flush();
        node.awaitStopped();
    }
}
