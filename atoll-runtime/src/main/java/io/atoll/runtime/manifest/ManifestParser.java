package io.atoll.runtime.manifest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.atoll.engine.ExecutionMode;
import io.atoll.engine.SafePoints;
import io.atoll.runtime.manifest.AtomSpec.Kind;
import io.atoll.runtime.manifest.AtomSpec.Limits;
import io.atoll.runtime.manifest.AtomSpec.Placement;
import io.atoll.runtime.manifest.AtomSpec.Recovery;
import io.atoll.runtime.manifest.AtomSpec.RestartSpec;
import io.atoll.runtime.manifest.AtomSpec.Route;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a YAML manifest into a validated {@link Manifest}. Every error names the file, the line
 * and the field ({@code app.yaml:7: atoms[0].policy: unknown policy ...}).
 */
public final class ManifestParser {
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Set<String> CAPABILITIES = Set.of("storage", "wasi");
    private static final YAMLFactory YAML = new YAMLFactory();
    /** Idle time after which a handler-style atom's instance is captured and dropped. */
    public static final long DEFAULT_HIBERNATE_MS = 60_000;
    private static final ObjectMapper MAPPER = new ObjectMapper(YAML);

    private final String file;
    private final Map<String, Integer> lines = new HashMap<>();

    private ManifestParser(String file) {
        this.file = file;
    }

    public static Manifest parse(String yaml, String file) {
        return new ManifestParser(file).read(yaml);
    }

    /** The {@code module} fields as written, for tools that upload modules before deploying. */
    public static List<String> moduleReferences(String yaml, String file) {
        return parse(yaml, file).atoms().stream().map(AtomSpec::module).distinct().toList();
    }

    private Manifest read(String yaml) {
        JsonNode root;
        try {
            indexLines(yaml);
            root = MAPPER.readTree(yaml);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String text = line > 0 && line <= yaml.lines().count() ? yaml.lines().skip(line - 1).findFirst().orElse("") : "";
            String why = e.getOriginalMessage().lines().findFirst().orElse("syntax error");
            if (text.contains("(after:")) {
                // the most common slip: the policy syntax contains ": ", which YAML reads as a mapping
                why = "the policy contains ': ', so YAML needs it quoted: policy: \"" + text.substring(text.indexOf(':') + 1).trim() + "\"";
            }
            throw new ManifestException(file + ":" + line + ": not valid YAML: " + why);
        } catch (IOException e) {
            throw new ManifestException(file + ": cannot read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw fail("", "the manifest must be a mapping with 'app' and 'atoms'");
        }
        fields(root, "", Set.of("app", "atoms"));
        String app = name(root, "app", "app");
        JsonNode atoms = root.get("atoms");
        if (atoms == null || !atoms.isArray() || atoms.isEmpty()) {
            throw fail("atoms", "'atoms' must be a non-empty list of atom definitions");
        }
        List<AtomSpec> specs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < atoms.size(); i++) {
            AtomSpec spec = atom(atoms.get(i), "atoms[" + i + "]");
            if (!names.add(spec.name())) {
                throw fail("atoms[" + i + "].name", "duplicate atom name '" + spec.name() + "'");
            }
            specs.add(spec);
        }
        return new Manifest(app, List.copyOf(specs));
    }

    private AtomSpec atom(JsonNode n, String path) {
        if (!n.isObject()) {
            throw fail(path, "each atom must be a mapping with at least 'name' and 'module'");
        }
        fields(n, path, Set.of("name", "module", "kind", "policy", "instances", "recovery", "restart", "engine",
                "limits", "capabilities", "aliases", "files", "hibernate", "routes", "placement", "checkpoint",
                "safe-points"));
        String name = name(n, "name", path + ".name");
        String module = text(n, "module", path + ".module", null);
        if (module == null || module.isBlank()) {
            throw fail(path + ".module", "missing 'module': the path of the .wasm file (relative to this manifest) or sha256:<hex>");
        }
        Kind kind = enumValue(n, "kind", path, Kind.class, Kind.DAEMON);
        PolicySpec policy = PolicySpec.ONE;
        if (n.has("policy")) {
            if (kind == Kind.DAEMON) {
                throw fail(path + ".policy", "a daemon has no scheduling policy; set 'kind: reactive' or use 'instances'");
            }
            policy = convert(path + ".policy", text(n, "policy", path + ".policy", "one"), PolicySpec::parse);
        }
        int instances = 1;
        if (n.has("instances")) {
            if (kind == Kind.REACTIVE) {
                throw fail(path + ".instances", "a reactive atom's instances come from its policy (e.g. round-robin(4))");
            }
            instances = integer(n, "instances", path + ".instances", 1, 1, 10_000);
        }
        Recovery recovery = enumValue(n, "recovery", path, Recovery.class, Recovery.RESTART);
        RestartSpec restart = new RestartSpec(5, 100);
        if (n.has("restart")) {
            JsonNode r = object(n.get("restart"), path + ".restart");
            fields(r, path + ".restart", Set.of("max", "backoff"));
            restart = new RestartSpec(integer(r, "max", path + ".restart.max", 5, 0, 1_000_000),
                    r.has("backoff") ? convert(path + ".restart.backoff", text(r, "backoff", path + ".restart.backoff", "100ms"), Units::durationMs) : 100);
        }
        ExecutionMode engine = n.has("engine")
                ? convert(path + ".engine", text(n, "engine", path + ".engine", "compiled"), ExecutionMode::parse)
                : ExecutionMode.COMPILED;
        Limits limits = limits(n, path);
        List<String> capabilities = n.has("capabilities") ? strings(n, "capabilities", path) : List.of("storage");
        for (int i = 0; i < capabilities.size(); i++) {
            if (!CAPABILITIES.contains(capabilities.get(i))) {
                throw fail(path + ".capabilities[" + i + "]", "unknown capability '" + capabilities.get(i) + "'; known: storage, wasi");
            }
        }
        List<String> aliases = n.has("aliases") ? strings(n, "aliases", path) : List.of();
        for (int i = 0; i < aliases.size(); i++) {
            if (aliases.get(i).isBlank() || aliases.get(i).contains("/")) {
                throw fail(path + ".aliases[" + i + "]", "an alias is a non-empty name without '/'");
            }
        }
        List<String> files = n.has("files") ? strings(n, "files", path) : List.of();
        for (int i = 0; i < files.size(); i++) {
            String f = files.get(i);
            if (!f.matches("(/[A-Za-z0-9._-]+)+") || f.contains("/../") || f.endsWith("/..") || f.contains("/./")) {
                throw fail(path + ".files[" + i + "]", "a granted directory is an absolute guest path like /data");
            }
            if (!capabilities.contains("wasi")) {
                throw fail(path + ".files", "granting directories needs the 'wasi' capability");
            }
        }
        long hibernate = DEFAULT_HIBERNATE_MS;
        if (n.has("hibernate")) {
            String h = text(n, "hibernate", path + ".hibernate", "");
            hibernate = h.equals("never") ? 0 : convert(path + ".hibernate", h, Units::durationMs);
        }
        long checkpoint = 0;
        if (n.has("checkpoint")) {
            String c = text(n, "checkpoint", path + ".checkpoint", "");
            if (kind != Kind.DAEMON) {
                throw fail(path + ".checkpoint", "checkpoints are for daemons (kind: daemon): a reactive instance is not restarted elsewhere");
            }
            if (capabilities.contains("wasi")) {
                throw fail(path + ".checkpoint", "an atom granted wasi cannot be checkpointed (open files cannot be captured)");
            }
            checkpoint = c.equals("never") ? 0 : convert(path + ".checkpoint", c, Units::durationMs);
            if (checkpoint != 0 && checkpoint < 100) {
                throw fail(path + ".checkpoint", "at least 100ms between checkpoints");
            }
        }
        SafePoints safePoints = n.has("safe-points")
                ? convert(path + ".safe-points", text(n, "safe-points", path + ".safe-points", "auto"), SafePoints::parse)
                : SafePoints.AUTO;
        return new AtomSpec(name, module.trim(), kind, policy, instances, recovery, restart, engine, limits,
                capabilities, aliases, files, hibernate, routes(n, path), placement(n, path, kind), checkpoint, safePoints);
    }

    private Limits limits(JsonNode n, String path) {
        if (!n.has("limits")) {
            return Limits.DEFAULT;
        }
        String p = path + ".limits";
        JsonNode l = object(n.get("limits"), p);
        fields(l, p, Set.of("memory", "timeout", "mailbox", "max-message"));
        Limits d = Limits.DEFAULT;
        long memory = l.has("memory") ? convert(p + ".memory", text(l, "memory", p + ".memory", ""), Units::bytes) : d.memoryBytes();
        if (memory < 65536 || memory > (4L << 30)) {
            throw fail(p + ".memory", "memory must be between 64Ki and 4Gi");
        }
        long timeout = l.has("timeout") ? convert(p + ".timeout", text(l, "timeout", p + ".timeout", ""), Units::durationMs) : d.timeoutMs();
        if (timeout < 1) {
            throw fail(p + ".timeout", "timeout must be at least 1ms");
        }
        int mailbox = integer(l, "mailbox", p + ".mailbox", d.mailbox(), 1, 1_000_000);
        long maxMessage = l.has("max-message") ? convert(p + ".max-message", text(l, "max-message", p + ".max-message", ""), Units::bytes) : d.maxMessageBytes();
        if (maxMessage < 1 || maxMessage > (64L << 20)) {
            throw fail(p + ".max-message", "max-message must be between 1 byte and 64Mi");
        }
        return new Limits(memory, timeout, mailbox, (int) maxMessage);
    }

    private List<Route> routes(JsonNode n, String path) {
        if (!n.has("routes")) {
            return List.of();
        }
        JsonNode rs = n.get("routes");
        if (!rs.isArray()) {
            throw fail(path + ".routes", "'routes' must be a list of {path, methods}");
        }
        List<Route> out = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) {
            String p = path + ".routes[" + i + "]";
            JsonNode r = object(rs.get(i), p);
            fields(r, p, Set.of("path", "methods"));
            String routePath = text(r, "path", p + ".path", null);
            if (routePath == null || !routePath.startsWith("/") || routePath.contains("?") || routePath.contains("..")) {
                throw fail(p + ".path", "a route path starts with '/' (it is served under /apps/<app>)");
            }
            List<String> methods = r.has("methods") ? strings(r, "methods", p) : List.of();
            for (int j = 0; j < methods.size(); j++) {
                if (!METHOD.matcher(methods.get(j)).matches()) {
                    throw fail(p + ".methods[" + j + "]", "an HTTP method in capitals, e.g. GET");
                }
            }
            out.add(new Route(routePath, methods));
        }
        return List.copyOf(out);
    }

    private Placement placement(JsonNode n, String path, Kind kind) {
        if (!n.has("placement")) {
            return Placement.NONE;
        }
        String p = path + ".placement";
        JsonNode pl = object(n.get("placement"), p);
        fields(pl, p, Set.of("tags", "zone", "memory", "per-node"));
        List<String> allow = List.of();
        List<String> deny = List.of();
        if (pl.has("tags")) {
            JsonNode t = object(pl.get("tags"), p + ".tags");
            fields(t, p + ".tags", Set.of("allow", "deny"));
            allow = t.has("allow") ? strings(t, "allow", p + ".tags") : List.of();
            deny = t.has("deny") ? strings(t, "deny", p + ".tags") : List.of();
        }
        long memory = pl.has("memory") ? convert(p + ".memory", text(pl, "memory", p + ".memory", ""), Units::bytes) : 0;
        int perNode = 0;
        if (pl.has("per-node")) {
            perNode = integer(pl, "per-node", p + ".per-node", 0, 1, 1000);
            if (kind == Kind.REACTIVE) {
                throw fail(p + ".per-node", "per-node is for daemons (kind: daemon); a reactive atom's instances come from its policy");
            }
            if (n.has("instances")) {
                throw fail(p + ".per-node", "choose one: 'instances' (in total over the cluster) or 'placement.per-node' (on every eligible node)");
            }
        }
        return new Placement(allow, deny, text(pl, "zone", p + ".zone", null), memory, perNode);
    }

    // ---- small typed readers; each failure names the field and its line ----

    private void fields(JsonNode n, String path, Set<String> known) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw fail(join(path, f), "unknown field '" + f + "'; expected one of " + new java.util.TreeSet<>(known));
            }
        }
    }

    private String name(JsonNode n, String field, String path) {
        String v = text(n, field, path, null);
        if (v == null) {
            throw fail(path, "missing '" + field + "'");
        }
        if (!NAME.matcher(v).matches()) {
            throw fail(path, "'" + v + "' is not a valid name: lower-case letters, digits and '-', starting with a letter or digit");
        }
        return v;
    }

    private String text(JsonNode n, String field, String path, String dflt) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            throw fail(path, "expected a text value");
        }
        return v.asText();
    }

    private int integer(JsonNode n, String field, String path, int dflt, int min, int max) {
        JsonNode v = n.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw fail(path, "expected a whole number from " + min + " to " + max);
        }
        return v.asInt();
    }

    private List<String> strings(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        String p = join(path, field);
        if (!v.isArray()) {
            throw fail(p, "expected a list, e.g. [a, b]");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw fail(p + "[" + i + "]", "expected a text value");
            }
            out.add(v.get(i).asText());
        }
        return List.copyOf(out);
    }

    private JsonNode object(JsonNode n, String path) {
        if (n == null || !n.isObject()) {
            throw fail(path, "expected a mapping");
        }
        return n;
    }

    private <E extends Enum<E>> E enumValue(JsonNode n, String field, String path, Class<E> type, E dflt) {
        String v = text(n, field, path + "." + field, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            List<String> allowed = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                allowed.add(c.name().toLowerCase(Locale.ROOT));
            }
            throw fail(path + "." + field, "'" + v + "' is not one of " + allowed);
        }
    }

    private <T> T convert(String path, String value, Function<String, T> f) {
        try {
            return f.apply(value);
        } catch (IllegalArgumentException e) {
            throw fail(path, e.getMessage());
        }
    }

    private ManifestException fail(String path, String message) {
        Integer line = lines.get(path);
        for (String p = path; line == null && !p.isEmpty(); ) {
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
            line = lines.get(p);
        }
        return new ManifestException(file + ":" + (line == null ? 1 : line) + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** Records the line of every field and list item, keyed by the paths used in messages. */
    private void indexLines(String yaml) throws IOException {
        try (JsonParser p = YAML.createParser(yaml)) {
            if (p.nextToken() != null) {
                walk(p, "");
            }
        }
    }

    private void walk(JsonParser p, String path) throws IOException {
        lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String child = join(path, p.currentName());
                lines.put(child, p.currentTokenLocation().getLineNr());
                p.nextToken();
                walk(p, child);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                walk(p, path + "[" + i++ + "]");
            }
        }
    }
}
