package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.runtime.atom.Atom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loop-style atoms instrumented at deploy (needs wasm-opt): captured with their call stack while
 * blocked in receive, resumed in place or in a new instance, and behaving exactly like the
 * uninstrumented module.
 */
class MidRunCaptureTest {
    TestNode t;

    @BeforeEach
    void start() {
        t = TestNode.start();
        t.atom("probe_loop");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    Atom atom(String name) {
        return t.node.core().atom(name);
    }

    @Test
    void aLoopAtomCapturedInReceiveResumesInPlaceOrInANewInstanceWithItsStackAndClock() throws Exception {
        t.deploy("""
                app: m
                atoms:
                  - { name: w, module: probe_loop.wasm }
                """);
        assertThat(atom("m/w/0").context().module().midRunCapture()).as("instrumented (scripts/setup-toolchain.sh binaryen)").isTrue();
        assertThat(t.send("m/w/0", "grow 2")).isEqualTo("grew 2");
        TestNode.await(Duration.ofSeconds(5), "blocked in receive", () -> atom("m/w/0").state().name().equals("WAITING"));

        Atom.Captured c = atom("m/w/0").requestCapture().get(5, TimeUnit.SECONDS);
        assertThat(c.state().suspended()).as("captured with its call stack").isTrue();
        assertThat(c.state().saveArea()).as("the save page, grown at the end of memory").isEqualTo((c.state().pages() - 1) * 65536);
        atom("m/w/0").abortMove(); // the move did not happen: the same instance rewinds and goes on
        assertThat(t.send("m/w/0", "count")).isEqualTo("2");

        // a second instance from the capture, its clock an hour ahead (as after a move to a node whose clock differs)
        long hour = 3_600_000_000_000L;
        Atom.Captured later = new Atom.Captured(c.state(), List.of(), c.messages(), c.faults(), c.restarts(),
                c.clockNanos() + hour, System.currentTimeMillis(), 0);
        assertThat(t.node.core().app("m").definition("w").runDaemonFrom("m/w/copy", later, List.of())).isTrue();
        assertThat(t.send("m/w/copy", "count")).as("its memory: one message handled before the capture").isEqualTo("2");
        long clock = Long.parseLong(t.send("m/w/copy", "clock").split(" ")[1]);
        assertThat(clock).as("the atom's monotonic clock goes on from the capture").isGreaterThanOrEqualTo(c.clockNanos() + hour);
        assertThat(t.send("m/w/copy", "mem")).isEqualTo(t.send("m/w/0", "mem"));
        // captured again (the copy reuses the same save page), and again it goes on
        Atom.Captured again = atom("m/w/copy").requestCapture().get(5, TimeUnit.SECONDS);
        assertThat(again.state().saveArea()).isEqualTo(c.state().saveArea());
        atom("m/w/copy").abortMove();
        assertThat(t.send("m/w/copy", "count")).isEqualTo("5");
    }

    @Test
    void theSavePageNeverLandsInMemoryTheGuestGrowsLater() throws Exception {
        // TeaVM's heap grows from where it believes memory ends, over the page a capture added
        t.deploy("""
                app: m
                atoms:
                  - { name: r, module: probe_loop.wasm }
                """);
        String base = t.send("m/r/0", "region init").split(" ")[2];
        TestNode.await(Duration.ofSeconds(5), "blocked in receive", () -> atom("m/r/0").state().name().equals("WAITING"));
        Atom.Captured first = atom("m/r/0").requestCapture().get(5, TimeUnit.SECONDS);
        assertThat(first.state().saveArea()).as("the save page is where the region will grow").isEqualTo(Integer.parseInt(base));
        atom("m/r/0").abortMove();

        assertThat(t.send("m/r/0", "region 3")).isEqualTo("region " + 3 * 65536);
        TestNode.await(Duration.ofSeconds(5), "blocked in receive", () -> atom("m/r/0").state().name().equals("WAITING"));
        Atom.Captured second = atom("m/r/0").requestCapture().get(5, TimeUnit.SECONDS);
        assertThat(second.state().saveArea()).as("a new save page past what the guest grew since")
                .isEqualTo((second.state().pages() - 1) * 65536);
        atom("m/r/0").abortMove();
        assertThat(t.send("m/r/0", "region check")).isEqualTo("intact " + 3 * 65536);

        // and in a new instance from that capture, captured once more
        assertThat(t.node.core().app("m").definition("r").runDaemonFrom("m/r/copy", second, List.of())).isTrue();
        assertThat(t.send("m/r/copy", "region 2")).isEqualTo("region " + 5 * 65536);
        TestNode.await(Duration.ofSeconds(5), "blocked in receive", () -> atom("m/r/copy").state().name().equals("WAITING"));
        atom("m/r/copy").requestCapture().get(5, TimeUnit.SECONDS);
        atom("m/r/copy").abortMove();
        assertThat(t.send("m/r/copy", "region check")).isEqualTo("intact " + 5 * 65536);
    }

    @Test
    void instrumentedModulesAnswerExactlyLikeTheOriginal() {
        List<String> script = List.of("echo hello", "count", "grow 3", "mem", "fill 256 const", "mem", "kvput k v1", "kvget k",
                "alias probe-x", "lookup alias probe-x", "self", "busy 30", "http 201 made", "seq 4", "seq 5",
                "echo " + "z".repeat(5000), "kvdel k", "kvget k", "count");
        Map<String, List<String>> answers = new LinkedHashMap<>();
        Map<String, String> modules = new LinkedHashMap<>();
        for (String points : List.of("between-events", "imports", "anywhere")) {
            t.deploy("""
                    app: side
                    atoms:
                      - { name: w, module: probe_loop.wasm, safe-points: %s }
                    """.formatted(points));
            var module = atom("side/w/0").context().module();
            assertThat(module.midRunCapture()).as(points).isEqualTo(!points.equals("between-events"));
            modules.put(points, module.hash());
            List<String> out = new ArrayList<>();
            for (String command : script) {
                out.add(t.send("side/w/0", command));
            }
            answers.put(points, out);
            assertThat(t.node.undeploy("side")).isTrue();
        }
        assertThat(modules.values()).as("three different modules").doesNotHaveDuplicates();
        assertThat(answers.get("imports")).isEqualTo(answers.get("between-events"));
        assertThat(answers.get("anywhere")).isEqualTo(answers.get("between-events"));
        assertThat(answers.get("between-events")).contains("hello", "done").doesNotContain("");
    }
}
