package io.atoll.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code atoll nodes}: the nodes the target node knows ({@code GET /api/v1/nodes}), as a table or JSON. */
@Command(name = "nodes", mixinStandardHelpOptions = true, description = "List the nodes of the cluster (or the one node).")
final class NodesCommand implements Callable<Integer> {
    static final String[] HEADER = {"NAME", "STATE", "ZONE", "TAGS", "ATOMS", "LOAD", "ADDRESS"};
    static final String[] FIELDS = {"name", "state", "zone", "tags", "atoms", "load", "address"};

    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--json", description = "print the API's JSON (every field of each node)")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        JsonNode nodes = nodeOptions.client().getJson("/api/v1/nodes");
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? PsCommand.pretty(nodes) + "\n" : PsCommand.table(withReadableLoad(nodes), HEADER, FIELDS));
        out.flush();
        return 0;
    }

    /** Load per core as two decimals ("-" when the node cannot tell). */
    static JsonNode withReadableLoad(JsonNode nodes) {
        ArrayNode out = NodeClient.JSON.createArrayNode();
        for (JsonNode n : nodes) {
            ObjectNode copy = n.deepCopy();
            double load = n.path("load").asDouble(-1);
            copy.put("load", load < 0 ? "-" : String.format(Locale.ROOT, "%.2f", load));
            out.add(copy);
        }
        return out;
    }
}
