package io.atoll.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The ceiling of any design that runs handlers off the connection's event loop: {@link
 * PlainEchoServer} plus one thread hand-off each way and nothing else (no Wasm, no Atoll code).
 * Each request's body goes through a {@link LinkedBlockingQueue} to one virtual thread (the shape
 * of an Atoll atom: a thread and a mailbox), which copies it and hands the answer back to the
 * request's event loop with {@code runOnContext}. What atom-echo costs beyond this is Atoll's own;
 * what this costs beyond the plain server is the price of isolation on another thread.
 *
 * <p>Usage: {@code HandoffEchoServer PORT [MAX_SECONDS]}, as {@link PlainEchoServer}.
 */
public final class HandoffEchoServer {
    private record Job(HttpServerRequest request, Buffer body, Context context) {
    }

    private HandoffEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        BlockingQueue<Job> mailbox = new LinkedBlockingQueue<>();
        Thread.ofVirtual().name("handler").start(() -> {
            try {
                while (true) {
                    Job job = mailbox.take();
                    Buffer answer = job.body().copy();
                    job.context().runOnContext(v -> job.request().response()
                            .putHeader("Content-Type", "application/octet-stream").end(answer));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        PlainEchoServer.serve("HandoffEchoServer", args,
                (req, body) -> mailbox.add(new Job(req, body, Vertx.currentContext())));
    }
}
