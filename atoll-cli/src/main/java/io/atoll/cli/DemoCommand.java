package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.atoll.abi.AtollException;
import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code atoll demo}: an embedded node with every example application ({@code examples/*}/app.yaml)
 * deployed, and the commands to try them. Runs until Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = {
    "Start a node with the example applications and print the URLs to call.",
    "Runs until Ctrl-C; its data goes to a temporary directory unless --data is given."})
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern TRY_COMMENT = Pattern.compile("\\s*#\\s*try:\\s*(\\S.*)");

    @Spec
    CommandSpec spec;

    @Option(names = {"--port", "-p"}, paramLabel = "PORT", defaultValue = "8080",
            description = "the port to serve on (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "the address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--data", paramLabel = "DIR",
            description = "keep the node's state here (default: a temporary directory deleted at exit)")
    Path data;

    /** An example that deployed: its manifest and the atoms the node started. */
    record Deployed(Path manifest, List<String> atoms) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 0 || port > 65535) {
            throw new AtollException("not a port: " + port, "give --port a number from 1 to 65535");
        }
        Path home = atollHome();
        List<Path> manifests = exampleManifests(home);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        boolean temporary = data == null;
        Path dataDir = temporary ? Files.createTempDirectory("atoll-demo-") : data.toAbsolutePath().normalize();
        NodeConfig d = NodeConfig.defaults();
        NodeConfig config = new NodeConfig("demo", d.zone(), List.of("demo"), host, port, dataDir, null);
        Node node;
        try {
            node = Node.start(config);
        } catch (RuntimeException e) {
            if (temporary) {
                deleteTree(dataDir);
            }
            throw e;
        }
        // Ctrl-C (and any exit): stop the node, then delete the temporary data directory
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node, temporary ? dataDir : null), "atoll-demo-shutdown"));

        List<Deployed> deployed = new ArrayList<>();
        for (Path manifest : manifests) {
            String label = home.relativize(manifest).toString();
            try {
                // with --data the node brings back what it ran last time: deploy the examples as they are now
                if (!temporary) {
                    node.undeploy(appName(manifest));
                }
                deployed.add(new Deployed(manifest, node.deploy(manifest)));
            } catch (AtollException e) {
                ErrorReporter.print(err, label + ": " + e.getMessage(), e.hint());
            } catch (RuntimeException e) {
                ErrorReporter.print(err, label + ": " + e, "see the log above");
            }
        }
        if (deployed.isEmpty()) {
            throw new AtollException("none of the " + manifests.size() + " example applications deployed",
                    "see the errors above; ./atoll rebuilds the examples when their sources change");
        }

        out.print(banner(node.baseUrl(), dataDir, temporary, deployed, manifests.size()));
        out.flush();

        node.awaitStopped();
        if (node.escalated()) {
            throw new AtollException("the demo node stopped: an atom with recovery 'escalate' failed",
                    "see the log above for the atom and its fault");
        }
        return 0;
    }

    /** What to try: one curl per HTTP route of the deployed examples, and the management commands. */
    static String banner(String baseUrl, Path dataDir, boolean temporary, List<Deployed> deployed, int examples) {
        StringBuilder sb = new StringBuilder();
        sb.append('\n').append("Atoll demo node listening on ").append(baseUrl)
                .append(" (data: ").append(dataDir).append(temporary ? ", deleted at exit" : "").append(")\n");
        sb.append("deployed ").append(deployed.size()).append(" of ").append(examples).append(" example applications:\n");
        String firstAtom = null;
        for (Deployed dep : deployed) {
            String app = appName(dep.manifest());
            sb.append("  ").append(app).append(": ").append(String.join(", ", dep.atoms())).append('\n');
            if (firstAtom == null && !dep.atoms().isEmpty()) {
                firstAtom = dep.atoms().get(0);
            }
        }
        sb.append("\nTry:\n");
        for (Deployed dep : deployed) {
            for (String curl : curlCommands(baseUrl, dep.manifest())) {
                sb.append("  ").append(curl).append('\n');
            }
        }
        String node = baseUrl.equals(NodeOptions.DEFAULT_NODE) ? "" : " --node " + baseUrl;
        sb.append("  ./atoll ps").append(node).append('\n');
        if (firstAtom != null) {
            sb.append("  ./atoll send ").append(firstAtom).append(" hello").append(node).append('\n');
            sb.append("  ./atoll logs ").append(firstAtom).append(node).append('\n');
        }
        sb.append("\nMore in examples/README.md. Ctrl-C stops the node.\n");
        return sb.toString();
    }

    /**
     * What to try with an example: its {@code # try: COMMAND} comment lines if it has any (their
     * {@code http://127.0.0.1:8080} becomes the node's address), else one {@code curl} per HTTP
     * route the manifest declares ({@code routes:} of each atom).
     */
    static List<String> curlCommands(String baseUrl, Path manifest) {
        List<String> lines = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(manifest)) {
                Matcher m = TRY_COMMENT.matcher(line);
                if (m.matches()) {
                    lines.add(m.group(1).strip().replace(NodeOptions.DEFAULT_NODE, baseUrl));
                }
            }
        } catch (IOException e) {
            return lines;
        }
        if (!lines.isEmpty()) {
            return lines;
        }
        JsonNode root = readYaml(manifest);
        String app = root.path("app").asText("");
        if (app.isEmpty()) {
            return lines;
        }
        for (JsonNode atom : root.path("atoms")) {
            for (JsonNode route : atom.path("routes")) {
                String path = route.path("path").asText("");
                if (path.isEmpty()) {
                    continue;
                }
                String url = baseUrl + "/apps/" + app + (path.startsWith("/") ? path : "/" + path);
                List<String> methods = new ArrayList<>();
                route.path("methods").forEach(m -> methods.add(m.asText().toUpperCase()));
                if (methods.isEmpty() || methods.contains("POST")) {
                    lines.add("curl -d hello " + url);
                }
                if (methods.contains("GET")) {
                    lines.add("curl " + url);
                }
                if (!methods.isEmpty() && !methods.contains("POST") && !methods.contains("GET")) {
                    lines.add("curl -X " + methods.get(0) + " -d hello " + url);
                }
            }
        }
        return lines;
    }

    static String appName(Path manifest) {
        String app = readYaml(manifest).path("app").asText("");
        return app.isEmpty() ? manifest.getParent().getFileName().toString() : app;
    }

    private static JsonNode readYaml(Path manifest) {
        try {
            JsonNode root = YAML.readTree(manifest.toFile());
            return root == null ? YAML.createObjectNode() : root;
        } catch (IOException e) {
            return YAML.createObjectNode();
        }
    }

    /** The repository root: {@code -Datoll.home} (set by ./atoll), else the working directory. */
    static Path atollHome() {
        String home = System.getProperty("atoll.home");
        return (home != null && !home.isBlank() ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
    }

    /**
     * The example manifests: every {@code app.yaml} under {@code examples/} (normally
     * {@code examples/<app>/app.yaml}; build outputs are skipped), sorted by path.
     */
    static List<Path> exampleManifests(Path home) throws IOException {
        Path examples = home.resolve("examples");
        if (!Files.isDirectory(examples)) {
            throw new AtollException("no examples directory at " + examples,
                    "run the demo from the Atoll repository with ./atoll demo");
        }
        List<Path> manifests;
        try (Stream<Path> paths = Files.walk(examples, 4)) {
            manifests = paths.filter(p -> p.getFileName().toString().equals("app.yaml"))
                    .filter(Files::isRegularFile)
                    .filter(p -> !isBuildOutput(examples.relativize(p)))
                    .sorted(Comparator.comparing(p -> examples.relativize(p).toString()))
                    .toList();
        }
        if (manifests.isEmpty()) {
            throw new AtollException("no example applications (examples/*/app.yaml) under " + examples,
                    "run the demo from the Atoll repository with ./atoll demo");
        }
        return manifests;
    }

    private static boolean isBuildOutput(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.equals("node_modules") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static void stop(Node node, Path temporaryDir) {
        try {
            node.close();
        } finally {
            if (temporaryDir != null) {
                deleteTree(temporaryDir);
            }
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temporary directory
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
