package io.atoll.runtime.http;

import io.atoll.abi.Abi;
import io.atoll.abi.AtollException;
import io.atoll.abi.Envelope;
import io.atoll.abi.ErrorCode;
import io.atoll.abi.HttpCodec;
import io.atoll.engine.HostError;
import io.atoll.runtime.app.Application;
import io.atoll.runtime.app.AtomFailedException;
import io.atoll.runtime.app.NodeCore;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The application ingress: {@code /apps/<app><route path>} becomes an HTTP-request event for the
 * route's atom (docs/abi.md §5); its answer becomes the response. Runs on the event loop and
 * never blocks it: the atom answers from its own thread through a reply address.
 */
final class Ingress {
    /** Extra wait beyond the atom's own run-time limit before answering 504. */
    private static final long GRACE_MS = 1000;
    private final NodeCore core;

    Ingress(NodeCore core) {
        this.core = core;
    }

    void handle(HttpServerRequest req) {
        String path = req.path();
        String rest = path.substring("/apps/".length());
        int slash = rest.indexOf('/');
        String appName = slash < 0 ? rest : rest.substring(0, slash);
        String sub = slash < 0 ? "/" : rest.substring(slash);
        Application app = core.app(appName);
        if (app == null) {
            Json.error(req.response(), 404, "no application named '" + appName + "'", "list them with: atoll ps");
            return;
        }
        Application.BoundRoute bound = app.route(sub);
        if (bound == null) {
            Json.error(req.response(), 404, "no route for " + sub + " in application " + appName, null);
            return;
        }
        if (!bound.route().allows(req.method().name())) {
            req.response().putHeader("Allow", String.join(", ", bound.route().methods()));
            Json.error(req.response(), 405, "method " + req.method().name() + " not allowed on " + path, null);
            return;
        }
        int limit = bound.definition().spec().limits().maxMessageBytes();
        String length = req.getHeader("Content-Length");
        if (length != null && parseLong(length) > limit) {
            tooBig(req, limit);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = new boolean[1];
        req.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            body.appendBuffer(chunk);
            if (body.length() > limit) {
                refused[0] = true;
                tooBig(req, limit);
            }
        });
        req.endHandler(v -> {
            if (!refused[0]) {
                dispatch(req, bound, sub, body);
            }
        });
    }

    private void dispatch(HttpServerRequest req, Application.BoundRoute bound, String sub, Buffer body) {
        String target = bound.definition().fullName();
        String query = req.query();
        byte[] payload = HttpCodec.encodeRequest(new HttpCodec.Request(req.method().name(),
                query == null ? sub : sub + "?" + query, headers(req.headers()), body.getBytes()));
        long wait = bound.definition().spec().limits().timeoutMs() + GRACE_MS;
        NodeCore.Exchange exchange;
        try {
            exchange = core.request(target, Abi.KIND_HTTP_REQUEST, Abi.SENDER_INGRESS, payload, wait);
        } catch (HostError e) {
            // 503 either way: the route exists, its atom cannot take requests right now
            Json.error(req.response(), 503, target + " cannot take the request: " + e.detail(),
                    e.code() == ErrorCode.EFULL ? "retry later"
                            : e.code() == ErrorCode.EUNREACHABLE ? "its node is cut off or down; retry later"
                            : "see: atoll ps, atoll logs " + target);
            return;
        }
        Context ctx = io.vertx.core.Vertx.currentContext();
        exchange.answer().whenComplete((env, err) -> ctx.runOnContext(v -> respond(req.response(), target, env, err)));
    }

    private static void respond(HttpServerResponse res, String target, Envelope env, Throwable err) {
        if (res.ended() || res.closed()) {
            return;
        }
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof TimeoutException || (cause instanceof AtomFailedException f && f.timedOut())) {
            Json.error(res, 504, target + " did not answer in time", null);
        } else if (cause instanceof HostError h) {
            // another node refused the request or could not be reached
            Json.error(res, 503, target + " cannot take the request: " + h.detail(),
                    h.code() == ErrorCode.EUNREACHABLE ? "its node is cut off or down; retry later" : "retry later");
        } else if (cause instanceof AtomFailedException) {
            // No internals: the details are in the atom's log.
            Json.error(res, 500, target + " failed while handling the request", "see: atoll logs " + target);
        } else if (cause != null) {
            Json.error(res, 500, "internal error", null);
        } else if ((env.flags() & Abi.FLAG_HTTP_RESPONSE) != 0) {
            HttpCodec.Response r;
            try {
                r = HttpCodec.decodeResponse(env.payload());
            } catch (AtollException e) {
                Json.error(res, 502, target + " answered with a malformed HTTP response", null);
                return;
            }
            if (r.status() < 100 || r.status() > 599) {
                Json.error(res, 502, target + " answered with HTTP status " + r.status(), null);
                return;
            }
            res.setStatusCode(r.status());
            for (Map.Entry<String, String> h : r.headers()) {
                res.headers().add(h.getKey(), h.getValue());
            }
            res.end(Buffer.buffer(r.body()));
        } else {
            res.putHeader("Content-Type", "application/octet-stream").end(Buffer.buffer(env.payload()));
        }
    }

    private static void tooBig(HttpServerRequest req, int limit) {
        HttpServerResponse res = req.response();
        if (req.version() != io.vertx.core.http.HttpVersion.HTTP_2) {
            res.putHeader("Connection", "close"); // the rest of the body is not worth reading
        }
        Json.error(res, 413, "request body larger than " + limit + " bytes", "the atom's limits.max-message sets this bound");
    }

    private static List<Map.Entry<String, String>> headers(MultiMap h) {
        List<Map.Entry<String, String>> out = new ArrayList<>(h.size());
        for (Map.Entry<String, String> e : h) {
            out.add(Map.entry(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        }
        return out;
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
