package io.atoll.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A real node for tests: temporary data directory, any free port, the C test atoms
 * ({@code /atoms/*.wasm} from atoll-test-atoms) copied next to the manifests it deploys.
 */
public final class TestNode implements AutoCloseable {
    public final Path dir;
    public Node node;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode(Path dir) {
        this.dir = dir;
    }

    public static TestNode start() {
        try {
            TestNode t = new TestNode(Files.createTempDirectory("atoll-test"));
            t.node = Node.start(NodeConfig.defaults().withName("test").withPort(0).withDataDir(t.dir.resolve("data")));
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the test atom {@code name}.wasm next to the manifests and returns its file name. */
    public String atom(String name) {
        Path target = dir.resolve(name + ".wasm");
        try (InputStream in = TestNode.class.getResourceAsStream("/atoms/" + name + ".wasm")) {
            if (in == null) {
                throw new IllegalStateException("test atom " + name + " not on the class path (atoll-test-atoms)");
            }
            Files.write(target, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target.getFileName().toString();
    }

    /** Writes a manifest file and deploys it; returns the atom names. */
    public List<String> deploy(String yaml) {
        return node.deploy(manifest(yaml));
    }

    public Path manifest(String yaml) {
        try {
            Path f = Files.createTempFile(dir, "app", ".yaml");
            Files.writeString(f, yaml);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public HttpResponse<String> request(String method, String path, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).timeout(Duration.ofSeconds(30));
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> post(String path, String body) {
        return request("POST", path, body);
    }

    public HttpResponse<String> get(String path) {
        return request("GET", path, null);
    }

    /** Sends a command to an atom through the management API and returns its answer. */
    public String send(String atom, String payload) {
        HttpResponse<String> r = post("/api/v1/send?to=" + atom + "&wait=5s", payload);
        if (r.statusCode() != 200) {
            throw new AssertionError("send to " + atom + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** Waits until the condition holds, polling; fails after the timeout. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        node.close();
    }
}
