package io.atoll.examples.tour;

import io.atoll.sdk.Atoll;
import io.atoll.sdk.AtollError;
import io.atoll.sdk.AtollException;
import io.atoll.sdk.HttpResponse;
import io.atoll.sdk.Kv;
import io.atoll.sdk.LogLevel;
import io.atoll.sdk.LookupMode;
import io.atoll.sdk.Message;
import io.atoll.sdk.SendOptions;
import java.time.Duration;
import java.util.List;

/**
 * A tour of the whole Java SDK that checks itself: {@code GET /tour} (or any message) runs every
 * API call against the runtime and answers one line per check and a summary, e.g.
 * {@code passed 11/11}. The manifest pairs it with a reactive {@code helper} definition (the echo
 * module) that {@code spawn} and request/reply use.
 */
public final class TourAtom {
    private static final StringBuilder report = new StringBuilder();
    private static int passed;
    private static int total;
    private static String self;

    private TourAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(TourAtom::handle);
    }

    static void handle(Message msg) {
        if (self == null) {
            self = Atoll.self();
        }
        if (msg.sender().equals(self)) {
            // our own message that request() set aside while waiting: delivered after the tour
            Atoll.info("set-aside message handled: " + msg.text());
            return;
        }
        report.setLength(0);
        passed = 0;
        total = 0;
        runTour();
        report.append(passed == total ? "passed " : "FAILED ").append(passed).append('/').append(total).append('\n');
        if (msg.isHttp()) {
            msg.reply(HttpResponse.text(passed == total ? 200 : 500, report.toString()));
        } else {
            msg.reply(report.toString());
        }
    }

    private static void runTour() {
        check("self", () -> {
            expect(self.startsWith("tour/tour/"), "unexpected name " + self);
            return self;
        });
        check("clocks", () -> {
            long wall = Atoll.currentTimeMillis();
            long m1 = Atoll.monotonicNanos();
            long m2 = Atoll.monotonicNanos();
            expect(wall > 1_600_000_000_000L, "wall clock " + wall);
            expect(m2 >= m1, "monotonic went back");
            return "wall " + wall + " ms";
        });
        check("random", () -> {
            byte[] r = new byte[16];
            Atoll.random(r);
            int nonZero = 0;
            for (byte b : r) {
                nonZero += b != 0 ? 1 : 0;
            }
            expect(nonZero > 0, "16 zero bytes");
            return Long.toHexString(Atoll.randomLong());
        });
        check("kv", () -> {
            Kv kv = Atoll.kv();
            kv.put("tour/a", "1");
            kv.put("tour/b", new byte[] {0, (byte) 0xFF});
            kv.putLong("tour/c", 3);
            kv.put("tours", "not in the scan");
            expect("1".equals(kv.getString("tour/a")), "get a");
            expect(kv.get("tour/b").length == 2 && kv.get("tour/b")[1] == (byte) 0xFF, "get b");
            expect(kv.getLong("tour/c", 0) == 3, "getLong c");
            expect(kv.get("tour/missing") == null, "missing key is not null");
            List<Kv.Entry> all = kv.scan("tour/");
            expect(all.size() == 3 && all.get(0).key().equals("tour/a") && all.get(2).text().equals("3"),
                    "scan " + all);
            expect(kv.scan("tour/", 2).size() == 2, "scan limit");
            kv.delete("tour/a");
            kv.delete("tour/a");
            expect(kv.get("tour/a") == null, "deleted key still there");
            return "scan found " + all.size() + " keys";
        });
        check("names", () -> {
            Atoll.names().alias("tour-alias");
            expect(Atoll.names().holders("tour-alias").contains(self), "alias holders");
            expect(Atoll.names().lookup(LookupMode.EXACT, self).equals(List.of(self)), "exact");
            expect(Atoll.names().lookup(LookupMode.PREFIX, "tour/tour/").contains(self), "prefix");
            expect(Atoll.names().lookup(LookupMode.REGEX, "tour/to.r/[0-9]+").contains(self), "regex");
            expect(Atoll.names().exists(self) && !Atoll.names().exists("tour/nope/0"), "exists");
            expect(Atoll.names().unalias("tour-alias"), "unalias");
            expect(!Atoll.names().unalias("tour-alias"), "second unalias");
            return "alias, exact, prefix, regex";
        });
        check("errors", () -> {
            try {
                Atoll.send("tour/nope/0", "x");
                return fail("send to a missing name succeeded");
            } catch (AtollException e) {
                expect(e.error() == AtollError.ENOTFOUND, "send: " + e.getMessage());
            }
            try {
                Atoll.publish("nobody-holds-this", "x");
                return fail("publish without holders succeeded");
            } catch (AtollException e) {
                expect(e.error() == AtollError.ENOTFOUND, "publish: " + e.getMessage());
            }
            return "ENOTFOUND as AtollException";
        });
        check("receive timeout", () -> {
            expect(Atoll.poll() == null, "poll found a message");
            long t0 = Atoll.monotonicNanos();
            expect(Atoll.receive(Duration.ofMillis(20)) == null, "receive found a message");
            long ms = (Atoll.monotonicNanos() - t0) / 1_000_000;
            expect(ms >= 15, "receive(20ms) returned after " + ms + " ms");
            return "null after " + ms + " ms";
        });
        check("fifo to self", () -> {
            for (int i = 0; i < 3; i++) {
                expect(Atoll.send(self, "n" + i, SendOptions.defaults().fifo().correlation(100 + i)) == 1, "send");
            }
            StringBuilder got = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                Message m = Atoll.receive(Duration.ofSeconds(2));
                expect(m != null, "message " + i + " missing");
                expect(m.sender().equals(self) && m.correlation() == 100 + i && (m.flags() & SendOptions.FIFO) != 0,
                        "envelope " + m);
                got.append(m.text());
            }
            expect(got.toString().equals("n0n1n2"), "order " + got);
            return got.toString();
        });
        check("spawn + request/reply", () -> {
            String helper = Atoll.spawn("helper");
            expect(helper.startsWith("tour/helper/"), "spawned " + helper);
            Atoll.send(self, "aside", SendOptions.defaults().fifo());  // arrives first: set aside by request()
            Message reply = Atoll.request(helper, "ping", Duration.ofSeconds(5));
            expect(reply != null, "no reply from " + helper);
            expect(reply.text().equals("ping") && reply.sender().equals(helper), "reply " + reply);
            return helper + " answered " + reply.text();
        });
        check("log", () -> {
            for (LogLevel level : LogLevel.values()) {
                Atoll.log(level, "tour log line at " + level);
            }
            return "5 levels";
        });
        check("collections and lambdas", () -> {
            List<String> words = List.of("pear", "apple", "fig");
            String sorted = words.stream().sorted().reduce("", (a, b) -> a + b + " ").trim();
            expect(sorted.equals("apple fig pear"), sorted);
            return sorted;
        });
    }

    /** One check; its body returns a detail string or throws. */
    interface Check {
        String run() throws Exception;
    }

    private static void check(String name, Check check) {
        total++;
        try {
            String detail = check.run();
            passed++;
            report.append("ok   ").append(name).append(": ").append(detail).append('\n');
        } catch (Throwable t) {
            report.append("FAIL ").append(name).append(": ").append(t.getMessage() == null ? t.toString() : t.getMessage())
                    .append('\n');
        }
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }

    private static String fail(String what) {
        throw new IllegalStateException(what);
    }
}
