package io.atoll.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code atoll ps}: the atoms ({@code GET /api/v1/atoms}) as a table, or as JSON: the node's own in
 * full, and in a cluster the other nodes' too (name, node, kind, state; their counters live there).
 */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List the atoms: the node's, and in a cluster every node's.")
final class PsCommand implements Callable<Integer> {
    static final String[] HEADER = {"NAME", "NODE", "KIND", "STYLE", "STATE", "MAILBOX", "MSGS", "FAULTS", "RESTARTS"};
    static final String[] FIELDS = {"name", "node", "kind", "style", "state", "mailbox", "messages", "faults", "restarts"};

    @Spec
    CommandSpec spec;

    @Mixin
    NodeOptions nodeOptions;

    @Option(names = "--json", description = "print the API's JSON (every field of each atom)")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        JsonNode atoms = nodeOptions.client().getJson("/api/v1/atoms");
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(pretty(atoms));
        } else if (!atoms.isArray() || atoms.isEmpty()) {
            out.println("no atoms (deploy an application with ./atoll deploy app.yaml)");
        } else {
            out.print(table(atoms));
        }
        out.flush();
        return 0;
    }

    /** JSON as jq prints it: one field per line, arrays broken over lines, "name": value. */
    static String pretty(JsonNode json) throws JsonProcessingException {
        return NodeClient.JSON.writer(new JqPrinter()).writeValueAsString(json);
    }

    /** Jackson's pretty printer with arrays broken over lines, "name": value, and [] / {} when empty. */
    static final class JqPrinter extends DefaultPrettyPrinter {
        JqPrinter() {
            super(DefaultPrettyPrinter.DEFAULT_ROOT_VALUE_SEPARATOR);
            _arrayIndenter = DefaultIndenter.SYSTEM_LINEFEED_INSTANCE;
            _separators = Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER);
            _objectFieldValueSeparatorWithSpaces = ": ";
        }

        @Override
        public JqPrinter createInstance() {
            return new JqPrinter();
        }

        @Override
        public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
            if (nrOfValues == 0) {
                if (!_arrayIndenter.isInline()) {
                    --_nesting;
                }
                g.writeRaw(']');
            } else {
                super.writeEndArray(g, nrOfValues);
            }
        }

        @Override
        public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
            if (nrOfEntries == 0) {
                if (!_objectIndenter.isInline()) {
                    --_nesting;
                }
                g.writeRaw('}');
            } else {
                super.writeEndObject(g, nrOfEntries);
            }
        }
    }

    /** The aligned table of an AtomInfo array: columns separated by at least two spaces. */
    static String table(JsonNode atoms) {
        return table(atoms, HEADER, FIELDS);
    }

    /** An aligned table of a JSON array: one row per element, one column per field. */
    static String table(JsonNode items, String[] header, String[] fields) {
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (JsonNode item : items) {
            String[] row = new String[fields.length];
            for (int i = 0; i < fields.length; i++) {
                row[i] = cell(item.path(fields[i]));
            }
            rows.add(row);
        }
        int[] width = new int[header.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** One value as a table cell; a mailbox given as an object shows as used/capacity. */
    static String cell(JsonNode v) {
        if (v.isMissingNode() || v.isNull()) {
            return "-";
        }
        if (v.isObject()) {
            JsonNode used = first(v, "size", "depth", "length", "queued", "used");
            JsonNode cap = first(v, "capacity", "limit", "max");
            if (used != null && cap != null) {
                return used.asText() + "/" + cap.asText();
            }
            if (used != null) {
                return used.asText();
            }
            return v.toString();
        }
        if (v.isArray()) {
            List<String> parts = new ArrayList<>();
            v.forEach(e -> parts.add(e.asText()));
            return parts.isEmpty() ? "-" : String.join(",", parts);
        }
        String s = v.asText();
        return s.isEmpty() ? "-" : s;
    }

    private static JsonNode first(JsonNode obj, String... names) {
        for (String n : names) {
            if (obj.hasNonNull(n)) {
                return obj.get(n);
            }
        }
        return null;
    }
}
