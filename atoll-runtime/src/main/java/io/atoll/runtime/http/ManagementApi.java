package io.atoll.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.atoll.abi.Abi;
import io.atoll.abi.AtollException;
import io.atoll.abi.ErrorCode;
import io.atoll.engine.HostError;
import io.atoll.engine.ModuleException;
import io.atoll.runtime.Node;
import io.atoll.runtime.app.Application;
import io.atoll.runtime.app.AtomFailedException;
import io.atoll.runtime.app.Definition;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.manifest.ManifestException;
import io.atoll.runtime.naming.Directory;
import io.atoll.runtime.manifest.Units;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** The management API under {@code /api/v1} (docs/api.md). Blocking work goes to worker threads. */
final class ManagementApi {
    private static final long MAX_BODY = 64L << 20;
    private final Vertx vertx;
    private final Node node;
    private final NodeCore core;

    ManagementApi(Vertx vertx, Node node) {
        this.vertx = vertx;
        this.node = node;
        this.core = node.core();
    }

    void handle(HttpServerRequest req) {
        String path = req.path().substring("/api/v1".length());
        HttpMethod m = req.method();
        HttpServerResponse res = req.response();
        String length = req.getHeader("Content-Length");
        if (length != null && length.matches("\\d+") && Long.parseLong(length) > MAX_BODY) {
            Json.error(res, 413, "request body larger than " + MAX_BODY + " bytes", null);
            return;
        }
        if (m == HttpMethod.GET && path.equals("/node")) {
            Json.send(res, 200, node.info());
        } else if (m == HttpMethod.GET && path.equals("/nodes")) {
            Json.send(res, 200, node.clusterView().nodes());
        } else if (m == HttpMethod.PUT && path.startsWith("/modules/")) {
            String hash = path.substring("/modules/".length());
            req.body().onSuccess(b -> blocking(res, 201, () -> Map.of("module", node.storeModule(hash, b.getBytes()))));
        } else if (m == HttpMethod.POST && path.equals("/apps")) {
            req.body().onSuccess(b -> blocking(res, 201, () -> deploy(b)));
        } else if (m == HttpMethod.GET && path.equals("/apps")) {
            List<Object> out = new ArrayList<>();
            for (Application a : core.apps()) {
                out.add(Map.of("app", a.name(), "atoms", a.definitions().stream().map(Definition::fullName).toList()));
            }
            Json.send(res, 200, out);
        } else if (m == HttpMethod.DELETE && path.startsWith("/apps/")) {
            String app = path.substring("/apps/".length());
            blocking(res, 200, () -> {
                if (!node.undeploy(app)) {
                    throw new NotFound("no application named '" + app + "'");
                }
                return Map.of("undeployed", app);
            });
        } else if (m == HttpMethod.GET && path.equals("/atoms")) {
            Json.send(res, 200, atoms());
        } else if (m == HttpMethod.POST && path.startsWith("/atoms/") && path.endsWith("/migrate")) {
            String atom = path.substring("/atoms/".length(), path.length() - "/migrate".length());
            String to = req.getParam("to");
            if (to == null || to.isBlank()) {
                Json.error(res, 400, "which node? add ?to=NODE", "list the nodes with: atoll nodes");
                return;
            }
            boolean preCopy = !"false".equals(req.getParam("precopy"));
            blocking(res, 200, () -> core.migrator().migrate(atom, to, preCopy).toMap());
        } else if (m == HttpMethod.POST && path.startsWith("/atoms/") && path.endsWith("/update")) {
            String atom = path.substring("/atoms/".length(), path.length() - "/update".length());
            String module = req.getParam("module");
            if (module == null || !module.matches("(sha256:)?[0-9a-f]{64}")) {
                Json.error(res, 400, "which module? add ?module=sha256:HEX (upload it first: PUT /api/v1/modules/HEX)",
                        "atoll update ATOM --module FILE does both");
                return;
            }
            blocking(res, 200, () -> node.updateAtom(atom, module).toMap());
        } else if (m == HttpMethod.GET && path.startsWith("/atoms/")) {
            String name = path.substring("/atoms/".length());
            Atom a = core.atom(name);
            if (a != null) {
                Map<String, Object> m2 = info(a);
                m2.put("node", node.config().name());
                core.migrator().progress(name).ifPresent(p -> m2.put("migration", p.toMap()));
                Json.send(res, 200, m2);
                return;
            }
            Map<String, Object> remote = atoms().stream().filter(x -> name.equals(x.get("name"))).findFirst().orElse(null);
            if (remote == null) {
                Json.error(res, 404, "no atom named '" + name + "'", "list them with: atoll ps");
            } else {
                Json.send(res, 200, remote); // on another node: what the directory knows
            }
        } else if (m == HttpMethod.POST && path.equals("/send")) {
            req.body().onSuccess(b -> send(req, b));
        } else if (m == HttpMethod.GET && path.equals("/logs")) {
            logs(req);
        } else {
            Json.error(res, 404, "no API endpoint " + m + " " + req.path(), "see docs/api.md");
        }
    }

    private Object deploy(Buffer body) throws Exception {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(body.getBytes());
        } catch (java.io.IOException e) {
            throw new BadRequest("the body must be JSON {manifest, file, modules}");
        }
        if (json == null || !json.path("manifest").isTextual()) {
            throw new BadRequest("the body must be JSON {manifest, file, modules}");
        }
        Map<String, String> modules = new HashMap<>();
        json.path("modules").fields().forEachRemaining(e -> modules.put(e.getKey(), e.getValue().asText()));
        String file = json.path("file").asText("manifest.yaml");
        List<String> atoms = node.deploy(json.get("manifest").asText(), file, modules);
        // a manifest has at least one atom, and every atom name starts with "<app>/"
        return Map.of("app", Directory.app(atoms.get(0)), "atoms", atoms);
    }

    private void send(HttpServerRequest req, Buffer body) {
        HttpServerResponse res = req.response();
        String to = req.getParam("to");
        if (to == null || to.isBlank()) {
            Json.error(res, 400, "missing query parameter 'to'", "POST /api/v1/send?to=app/atom");
            return;
        }
        long wait;
        try {
            wait = Units.durationMs(req.getParam("wait", "2s"));
        } catch (IllegalArgumentException e) {
            Json.error(res, 400, e.getMessage(), null);
            return;
        }
        String app = to.contains("/") ? to.substring(0, to.indexOf('/')) : to;
        Application application = core.app(app);
        if (application == null) {
            Json.error(res, 404, "no atom named '" + to + "'", "names are app/atom or app/atom/instance; list them with: atoll ps");
            return;
        }
        long max = application.definitions().stream().mapToLong(d -> d.spec().limits().maxMessageBytes()).max().orElse(0);
        if (body.length() > max) {
            Json.error(res, 413, "payload larger than " + max + " bytes", null);
            return;
        }
        NodeCore.Exchange exchange;
        try {
            exchange = core.request(to, Abi.KIND_MESSAGE, Abi.SENDER_API, body.getBytes(), Math.max(wait, 1));
        } catch (HostError e) {
            int status = switch (e.code()) {
                case EFULL -> 429;
                case ENOTFOUND -> 404;
                default -> 400;
            };
            Json.error(res, status, e.code() == ErrorCode.ENOTFOUND ? "no atom named '" + to + "'" : e.code().meaning(),
                    e.code() == ErrorCode.ENOTFOUND ? "list them with: atoll ps" : null);
            return;
        }
        Context ctx = Vertx.currentContext();
        if (wait == 0) { // nobody waits: an answer from the atom finds a closed address
            core.replies().close(exchange.replyTo());
            exchange.taken().whenComplete((v, err) -> ctx.runOnContext(x -> {
                if (err == null) {
                    Json.send(res, 202, Map.of("delivered", to));
                } else {
                    refused(res, to, err);
                }
            }));
            return;
        }
        exchange.answer().whenComplete((env, err) -> {
            ctx.runOnContext(v -> {
                Throwable cause = err instanceof CompletionException ? err.getCause() : err;
                if (cause instanceof HostError) {
                    refused(res, to, cause);
                } else if (cause instanceof TimeoutException) {
                    Json.send(res, 202, Map.of("delivered", to));
                } else if (cause instanceof AtomFailedException f) {
                    Json.error(res, 500, to + " failed while handling the message: " + f.getMessage(), "see: atoll logs " + to);
                } else if (cause != null) {
                    Json.error(res, 500, "internal error", null);
                } else {
                    res.putHeader("Content-Type", "application/octet-stream").end(Buffer.buffer(env.payload()));
                }
            });
        });
    }

    /** Another node refused the message or could not be reached. */
    private static void refused(io.vertx.core.http.HttpServerResponse res, String to, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof HostError h) {
            int status = switch (h.code()) {
                case EFULL -> 429;
                case ENOTFOUND -> 404;
                default -> 503;
            };
            Json.error(res, status, h.detail(), h.code() == ErrorCode.EUNREACHABLE ? "its node is cut off or down; retry later" : null);
        } else {
            Json.error(res, 500, "internal error", null);
        }
    }

    private void logs(HttpServerRequest req) {
        String atom = req.getParam("atom");
        long after;
        try {
            after = Long.parseLong(req.getParam("after", "-1"));
        } catch (NumberFormatException e) {
            Json.error(req.response(), 400, "'after' must be a number", null);
            return;
        }
        List<Object> out = new ArrayList<>();
        for (var line : core.log().after(after)) {
            if (atom == null || line.atom().equals(atom) || line.atom().startsWith(atom + "/")) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("seq", line.seq());
                m.put("time", line.timeMs());
                m.put("level", levelName(line.level()));
                m.put("atom", line.atom());
                m.put("text", line.text());
                out.add(m);
            }
        }
        Json.send(req.response(), 200, out);
    }

    /**
     * This node's atoms in full, then (in a cluster) the other nodes' atoms as the directory
     * knows them: name, node, kind and state.
     */
    private List<Map<String, Object>> atoms() {
        String self = node.config().name();
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Atom a : core.atoms()) {
            Map<String, Object> m = info(a);
            m.put("node", self);
            out.add(m);
        }
        for (NodeCore.RemoteAtom r : core.remoteAtoms()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            String[] parts = r.name().split("/");
            m.put("app", parts[0]);
            m.put("definition", parts.length > 1 ? parts[1] : "");
            Application app = core.app(parts[0]);
            Definition d = app == null || parts.length < 2 ? null : app.definition(parts[1]);
            m.put("kind", d == null ? null : d.spec().kind().name().toLowerCase());
            m.put("state", r.state());
            m.put("node", r.node());
            out.add(m);
        }
        out.sort(java.util.Comparator.comparing(m -> (String) m.get("name")));
        return out;
    }

    static Map<String, Object> info(Atom a) {
        var spec = a.context().spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", a.name());
        m.put("app", a.context().app());
        m.put("definition", spec.name());
        m.put("kind", spec.kind().name().toLowerCase());
        m.put("policy", spec.kind() == io.atoll.runtime.manifest.AtomSpec.Kind.REACTIVE ? spec.policy().toString() : null);
        m.put("style", a.style());
        m.put("state", a.state().label());
        m.put("aliases", ((Definition) a.context()).aliasesOf(a));
        m.put("messages", a.messages());
        m.put("faults", a.faults());
        m.put("restarts", a.restarts());
        m.put("mailbox", a.mailbox().size());
        m.put("engine", spec.engine().name().toLowerCase());
        m.put("memoryBytes", a.memoryBytes());
        m.put("createdAt", a.createdAtMs());
        m.put("lastFault", a.lastFault());
        return m;
    }

    static String levelName(int level) {
        return switch (level) {
            case 0 -> "trace";
            case 1 -> "debug";
            case 2 -> "info";
            case 3 -> "warn";
            default -> "error";
        };
    }

    /** Runs blocking work off the event loop and maps failures to statuses. */
    private void blocking(HttpServerResponse res, int status, Callable<Object> work) {
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                Json.send(res, status, ar.result());
                return;
            }
            Throwable e = ar.cause();
            if (e instanceof NotFound) {
                Json.error(res, 404, e.getMessage(), null);
            } else if (e instanceof NodeCore.AppExistsException x) {
                Json.error(res, 409, x.getMessage(), x.hint());
            } else if (e instanceof ManifestException || e instanceof ModuleException || e instanceof BadRequest) {
                Json.error(res, 400, e.getMessage(), ((AtollException) e).hint());
            } else if (e instanceof AtollException x) {
                Json.error(res, 400, x.getMessage(), x.hint());
            } else if (e instanceof IllegalArgumentException) {
                Json.error(res, 400, e.getMessage(), null);
            } else {
                Json.error(res, 500, "internal error: " + e, null);
            }
        });
    }

    static final class NotFound extends AtollException {
        NotFound(String m) {
            super(m);
        }
    }

    static final class BadRequest extends AtollException {
        BadRequest(String m) {
            super(m, "see docs/api.md");
        }
    }
}
