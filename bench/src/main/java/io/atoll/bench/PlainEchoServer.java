package io.atoll.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.BiConsumer;

/**
 * The baseline: what a Java developer writes without Atoll. A plain Vert.x 5 HTTP server on
 * 127.0.0.1 that answers every request with its body ({@code 200}, same Content-Type as an Atoll
 * atom's plain answer). Like the Atoll node, it is created outside a verticle, so it serves on one
 * event loop.
 *
 * <p>Usage: {@code PlainEchoServer PORT [MAX_SECONDS]} (0 = any free port). Prints {@code ready <port>}
 * once it listens; runs until killed, or MAX_SECONDS (default 900) have passed.
 */
public final class PlainEchoServer {
    private PlainEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        serve("PlainEchoServer", args, (req, body) ->
                req.response().putHeader("Content-Type", "application/octet-stream").end(body));
    }

    /**
     * Runs an echo server as {@code main} describes, handing each request's full body to
     * {@code answer} on the event loop; a body that cannot be read gets 400. Also used by
     * {@link HandoffEchoServer}.
     */
    static void serve(String who, String[] args, BiConsumer<HttpServerRequest, Buffer> answer) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        Lifetime.limit(Lifetime.fromArgs(args), who);
        Vertx vertx = Vertx.vertx();
        var server = vertx.createHttpServer(new HttpServerOptions().setCompressionSupported(false))
                .requestHandler(req -> req.body().onComplete(ar -> {
                    if (ar.succeeded()) {
                        answer.accept(req, ar.result());
                    } else {
                        req.response().setStatusCode(400).end();
                    }
                }))
                .listen(port, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get();
        System.out.println("ready " + server.actualPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
