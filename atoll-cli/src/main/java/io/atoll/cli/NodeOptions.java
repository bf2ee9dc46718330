package io.atoll.cli;

import picocli.CommandLine.Option;

/** The options of every command that talks to a running node. */
final class NodeOptions {
    static final String DEFAULT_NODE = "http://127.0.0.1:8080";

    @Option(names = "--node", paramLabel = "URL", defaultValue = "${env:ATOLL_NODE:-" + DEFAULT_NODE + "}",
            description = "the node's address (default: ${DEFAULT-VALUE}; env ATOLL_NODE)")
    String node = DEFAULT_NODE;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:ATOLL_TOKEN}",
            description = "management API token, needed when the node is not on this host (env ATOLL_TOKEN)")
    String token;

    NodeClient client() {
        return new NodeClient(node, token);
    }
}
