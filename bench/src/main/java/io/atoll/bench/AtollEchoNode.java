package io.atoll.bench;

import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An Atoll node on 127.0.0.1 with a temporary data directory (deleted at exit) and two echo
 * applications, both reactive atoms with policy {@code on-demand-expire(after: 5s)} on route
 * {@code /echo}:
 * <ul>
 *   <li>{@code /apps/echo/echo}: the Java SDK echo atom (examples, TeaVM), what the demo serves;
 *   <li>{@code /apps/probe/echo}: the C probe atom (atoll-test-atoms); the body must be
 *       {@code echo <text>}, the answer is {@code <text>}.
 * </ul>
 *
 * <p>Usage: {@code AtollEchoNode PORT [MAX_SECONDS]} (0 = any free port). Prints {@code ready <port>}
 * once both applications are deployed; runs until killed, or MAX_SECONDS (default 900) have passed.
 */
public final class AtollEchoNode {
    /** The echo example's own policy, as the demo serves it. */
    static final String POLICY = "on-demand-expire(after: 5s)";

    private AtollEchoNode() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        Lifetime.limit(Lifetime.fromArgs(args), "AtollEchoNode");
        Path dir = Files.createTempDirectory("atoll-bench-node");
        Node node = Node.start(new NodeConfig("bench", "default", List.of(), "127.0.0.1", port, dir.resolve("data"), null));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            deleteTree(dir);
        }, "bench-shutdown"));
        node.deploy(manifest(dir, "echo", Modules.bytes(Modules.JAVA_ECHO), POLICY, "60s"));
        node.deploy(manifest(dir, "probe", Modules.bytes(Modules.C_PROBE), POLICY, "60s"));
        System.out.println("ready " + node.port());
        System.out.flush();
        node.awaitStopped();
    }

    /**
     * Writes {@code module} and the manifest of app {@code app} into {@code dir}: one reactive
     * definition {@code echo}, route {@code /echo}. Returns the manifest.
     */
    static Path manifest(Path dir, String app, byte[] module, String policy, String hibernate) throws IOException {
        Path wasm = dir.resolve(app + ".wasm");
        Files.write(wasm, module);
        Path yaml = dir.resolve(app + ".yaml");
        Files.writeString(yaml, """
                app: %s
                atoms:
                  - name: echo
                    module: %s
                    kind: reactive
                    policy: "%s"   # quoted: on-demand-expire(after: 5s) has ": " inside
                    hibernate: %s
                    routes:
                      - { path: /echo }
                """.formatted(app, wasm.getFileName(), policy, hibernate));
        return yaml;
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a temporary directory
        }
    }

    /** The benchmarked Wasm modules, from the class path. */
    static final class Modules {
        static final String JAVA_ECHO = "/atoll/examples/wasm/echo.wasm";
        static final String C_PROBE = "/atoms/probe.wasm";

        /**
         * The module bytes. The system property {@code atoll.bench.echo-wasm} (a file) replaces the
         * Java echo atom, e.g. with a build using other TeaVM options ({@code --debug} for names in
         * a profile, {@code --min-heap}).
         */
        static byte[] bytes(String resource) {
            String override = System.getProperty("atoll.bench.echo-wasm", "");
            if (resource.equals(JAVA_ECHO) && !override.isEmpty()) {
                try {
                    return Files.readAllBytes(Path.of(override));
                } catch (IOException e) {
                    throw new UncheckedIOException("atoll.bench.echo-wasm=" + override, e);
                }
            }
            try (InputStream in = AtollEchoNode.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the class path (atoll-examples / atoll-test-atoms): build the project");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
