package io.atoll.bench;

import io.atoll.cli.Main;
import java.util.Arrays;

/**
 * {@code atoll} (the CLI's {@link Main}) with a lifetime, for bench/cluster's node processes:
 * {@code ClusterNode MAX_SECONDS node start --name a --fabric nats://...}. The node exits by itself
 * (shutdown hooks run: it leaves the cluster and closes its store) after MAX_SECONDS, even if the
 * script that started it was killed without running its clean-up.
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ClusterNode MAX_SECONDS ATOLL_ARGS...");
            System.exit(2);
        }
        Lifetime.limit(Long.parseLong(args[0]), "ClusterNode");
        Main.main(Arrays.copyOfRange(args, 1, args.length));
    }
}
