package io.atoll.runtime;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * How a node is started.
 *
 * @param name the node's name (default: the host name)
 * @param zone the zone it belongs to (default {@code default})
 * @param tags free-form tags used by placement
 * @param host the address to listen on (default 127.0.0.1)
 * @param port the one port for the application ingress and the management API (default 8080; 0 = any free port)
 * @param dataDir where the node keeps its store, modules and deployed applications
 * @param token the management API token for non-loopback clients (null: generated into dataDir/token)
 */
public record NodeConfig(String name, String zone, List<String> tags, String host, int port, Path dataDir, String token) {
    public static NodeConfig defaults() {
        String name = hostName();
        return new NodeConfig(name, "default", List.of(), "127.0.0.1", 8080,
                Path.of(System.getProperty("user.home"), ".atoll", name), null);
    }

    public NodeConfig withPort(int p) {
        return new NodeConfig(name, zone, tags, host, p, dataDir, token);
    }

    public NodeConfig withDataDir(Path d) {
        return new NodeConfig(name, zone, tags, host, port, d, token);
    }

    public NodeConfig withName(String n) {
        return new NodeConfig(n, zone, tags, host, port, dataDir, token);
    }

    private static String hostName() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h.isBlank() ? "node" : h.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        } catch (java.io.IOException e) {
            return "node";
        }
    }
}
