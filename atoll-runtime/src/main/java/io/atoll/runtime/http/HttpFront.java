package io.atoll.runtime.http;

import io.atoll.runtime.Node;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The node's one HTTP port: {@code /apps/...} (ingress), {@code /api/v1/...} (management, token
 * required from non-loopback clients) and {@code /metrics}. Handlers run on Vert.x event loops.
 */
public final class HttpFront {
    private final Vertx vertx;
    private final Node node;
    private final String token;
    private final Ingress ingress;
    private final ManagementApi api;

    public HttpFront(Vertx vertx, Node node, String token) {
        this.vertx = vertx;
        this.node = node;
        this.token = token;
        this.ingress = new Ingress(node.core());
        this.api = new ManagementApi(vertx, node);
    }

    public Future<HttpServer> listen(String host, int port) {
        return vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false))
                .requestHandler(this::handle)
                .listen(port, host);
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (path == null) {
            Json.error(req.response(), 400, "bad request", null);
        } else if (path.startsWith("/apps/")) {
            ingress.handle(req);
        } else if (path.startsWith("/api/v1/")) {
            if (!authorized(req.remoteAddress().host(), req.getHeader("Authorization"), token)) {
                Json.error(req.response(), 401, "a token is required from " + req.remoteAddress().host(),
                        "pass --token (or set ATOLL_TOKEN); the node's token is in <data dir>/token");
                return;
            }
            api.handle(req);
        } else if (path.equals("/metrics")) {
            req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(node.core().metrics().scrape());
        } else {
            Json.error(req.response(), 404, "nothing at " + path, "applications are under /apps/<app>/, the API under /api/v1/");
        }
    }

    /**
     * docs/api.md: loopback callers need no token; anyone else must send {@code Authorization:
     * Bearer <token>}. Compared in constant time.
     */
    static boolean authorized(String remoteHost, String authorization, String token) {
        if (isLoopback(remoteHost)) {
            return true;
        }
        return token != null && authorization != null && java.security.MessageDigest.isEqual(
                authorization.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                ("Bearer " + token).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static boolean isLoopback(String host) {
        // Only literal addresses come from a socket; never resolve names here.
        if (host == null || !(host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
