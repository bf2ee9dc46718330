package io.atoll.cli;

import io.atoll.abi.AtollException;
import io.atoll.cluster.FabricCluster;
import io.atoll.fabric.FabricOptions;
import io.atoll.runtime.Node;
import io.atoll.runtime.NodeConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code atoll node start}: runs a node in this process until Ctrl-C. The port serves both the
 * application ingress ({@code /apps/...}) and the management API ({@code /api/v1/...}).
 */
@Command(name = "start", mixinStandardHelpOptions = true, description = {
    "Start a node and keep it running until Ctrl-C.",
    "It listens on 127.0.0.1 unless given --host 0.0.0.0; requests to the management API",
    "from other hosts need the token in <data dir>/token (or the one given with --token)."})
final class NodeStartCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--name", paramLabel = "NAME", description = "the node's name (default: this host's name)")
    String name;

    @Option(names = "--zone", paramLabel = "ZONE", description = "the zone it is in (default: default)")
    String zone;

    @Option(names = "--tags", paramLabel = "TAG", split = ",", description = "its tags, comma-separated: edge,arm64")
    List<String> tags;

    @Option(names = "--host", paramLabel = "HOST",
            description = "the address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    String host;

    @Option(names = {"--port", "-p"}, paramLabel = "PORT",
            description = "the port for application ingress and management API (default: 8080)")
    Integer port;

    @Option(names = "--data", paramLabel = "DIR", description = "where it keeps its state (default: ~/.atoll/<name>)")
    Path data;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "management API token for remote callers (default: generated into <data dir>/token)")
    String token;

    @Option(names = "--fabric", paramLabel = "URL",
            description = "join the cluster whose NATS server is at URL, e.g. nats://127.0.0.1:4222 or tls://host:4222;"
                    + " a user and password may be given as nats://user:pass@host:4222 (default: run alone)")
    String fabric;

    @Option(names = "--fabric-creds", paramLabel = "FILE", description = "a NATS .creds file (JWT and nkey) to log in to the fabric")
    Path fabricCreds;

    @Option(names = "--fabric-ca", paramLabel = "PEM", description = "trust this CA for the fabric's TLS (implies TLS)")
    Path fabricCa;

    @Option(names = "--fabric-cert", paramLabel = "PEM", description = "client certificate for mutual TLS (with --fabric-key)")
    Path fabricCert;

    @Option(names = "--fabric-key", paramLabel = "PEM", description = "private key of --fabric-cert (unencrypted PEM)")
    Path fabricKey;

    @Option(names = "--down-after", paramLabel = "DURATION", defaultValue = "3s",
            description = "declare a node down when not heard from for this long (default: 3s)")
    String downAfter;

    @Override
    public Integer call() throws InterruptedException {
        NodeConfig config = config();
        Duration down = downAfter();
        FabricOptions fabricOptions = fabricOptions();
        FabricCluster[] joined = new FabricCluster[1];
        Node node = fabricOptions == null ? Node.start(config)
                : Node.start(config, n -> joined[0] = FabricCluster.join(n, fabricOptions, down));
        FabricCluster cluster = joined[0];
        if (cluster != null) {
            try {
                cluster.start();
            } catch (RuntimeException e) {
                node.close();
                cluster.close();
                throw e;
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {   // Ctrl-C: stop the atoms, then leave
            node.close();
            if (cluster != null) {
                cluster.close();
            }
        }, "atoll-shutdown"));

        PrintWriter out = spec.commandLine().getOut();
        out.println("atoll node " + config.name() + " listening on " + node.baseUrl()
                + " (data: " + config.dataDir() + ")" + (fabricOptions != null ? ", joined " + fabricOptions.redactedUrl() : ""));
        out.flush();

        node.awaitStopped();
        if (cluster != null) {
            cluster.close();
        }
        if (node.escalated()) {
            throw new AtollException("node " + config.name() + " stopped: an atom with recovery 'escalate' failed",
                    "see the log above for the atom and its fault; the applications come back at the next start");
        }
        return 0;
    }

    /** The fabric to join, or null to run alone. */
    FabricOptions fabricOptions() {
        if (fabric == null) {
            if (fabricCreds != null || fabricCa != null || fabricCert != null || fabricKey != null) {
                throw new AtollException("--fabric-creds, --fabric-ca, --fabric-cert and --fabric-key need --fabric",
                        "add --fabric nats://HOST:PORT");
            }
            return null;
        }
        if ((fabricCert == null) != (fabricKey == null)) {
            throw new AtollException("--fabric-cert and --fabric-key go together", "give both, or neither");
        }
        return new FabricOptions(fabric, fabricCreds, fabricCa, fabricCert, fabricKey);
    }

    Duration downAfter() {
        try {
            long ms = io.atoll.runtime.manifest.Units.durationMs(downAfter);
            if (ms < 100) {
                throw new IllegalArgumentException("too short");
            }
            return Duration.ofMillis(ms);
        } catch (IllegalArgumentException e) {
            throw new AtollException("--down-after " + downAfter + " is not a usable duration",
                    "give at least 100ms, e.g. --down-after 3s");
        }
    }

    /** The node's configuration: the options given, the defaults of NodeConfig for the rest. */
    NodeConfig config() {
        if (port != null && (port < 0 || port > 65535)) {
            throw new AtollException("not a port: " + port, "give --port a number from 1 to 65535 (0 = any free port)");
        }
        NodeConfig d = NodeConfig.defaults();
        if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,62}")) {
            throw new AtollException("'" + name + "' is not a usable node name",
                    "use letters, digits, '-' and '_' (at most 63), starting with a letter or digit");
        }
        String n = name != null ? name : d.name();
        Path dir = data != null ? data.toAbsolutePath().normalize()
                : (name != null ? d.dataDir().resolveSibling(n) : d.dataDir());
        return new NodeConfig(
                n,
                zone != null ? zone : d.zone(),
                tags != null ? cleanTags(tags) : d.tags(),
                host != null ? host : d.host(),
                port != null ? port : d.port(),
                dir,
                token != null ? token : d.token());
    }

    private static List<String> cleanTags(List<String> tags) {
        List<String> clean = new ArrayList<>();
        for (String t : tags) {
            if (!t.isBlank()) {
                clean.add(t.strip());
            }
        }
        return List.copyOf(clean);
    }
}
