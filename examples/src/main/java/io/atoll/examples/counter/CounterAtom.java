package io.atoll.examples.counter;

import io.atoll.sdk.Atoll;
import io.atoll.sdk.HttpRequest;
import io.atoll.sdk.HttpResponse;
import io.atoll.sdk.Message;

/**
 * Loop style: a daemon whose main loop calls {@code receive}. The count survives restarts: it is
 * loaded from the key {@code count} at start and written back on every increment.
 *
 * <ul>
 *   <li>HTTP {@code GET /counter}: the count; {@code POST /counter}: increments, answers the new count</li>
 *   <li>messages {@code get} / {@code inc}: the same, answered with the count</li>
 * </ul>
 */
public final class CounterAtom {
    static final String KEY = "count";

    private CounterAtom() {
    }

    public static void main(String[] args) {
        Atoll.run(CounterAtom::loop);
    }

    static void loop() {
        long count = Atoll.kv().getLong(KEY, 0);
        Atoll.info("counter starts at " + count);
        while (true) {
            Message msg = Atoll.receive();
            if (msg.isHttp()) {
                HttpRequest req = msg.http();
                if (req.isPost()) {
                    count = increment(count);
                    msg.reply(HttpResponse.text(200, count + "\n"));
                } else if (req.isGet()) {
                    msg.reply(HttpResponse.text(200, count + "\n"));
                } else {
                    msg.reply(HttpResponse.text(405, "use GET or POST\n").header("allow", "GET, POST"));
                }
                continue;
            }
            switch (msg.text().trim()) {
                case "inc" -> {
                    count = increment(count);
                    msg.reply(Long.toString(count));
                }
                case "get" -> msg.reply(Long.toString(count));
                default -> msg.reply("unknown command (want inc or get)");
            }
        }
    }

    private static long increment(long count) {
        long next = count + 1;
        Atoll.kv().putLong(KEY, next);
        return next;
    }
}
