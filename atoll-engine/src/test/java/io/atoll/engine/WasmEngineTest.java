package io.atoll.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.Abi;
import io.atoll.abi.Envelope;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WasmEngineTest {
    private final WasmEngine engine = new WasmEngine();

    static byte[] atom(String name) {
        try (InputStream in = WasmEngineTest.class.getResourceAsStream("/atoms/" + name + ".wasm")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void byDefaultOnlyLoopStyleModulesAreInstrumentedForMidRunCapture() {
        java.time.Duration before = ModuleStyle.limit;
        ModuleStyle.limit = java.time.Duration.ofMillis(500);
        try {
            assertThat(engine.load(mainStyle('s'), ExecutionMode.COMPILED, SafePoints.AUTO).midRunCapture())
                    .as("atoll_main logs, then asks to be served: handler style").isFalse();
            assertThat(engine.load(mainStyle('r'), ExecutionMode.COMPILED, SafePoints.AUTO).midRunCapture())
                    .as("atoll_main waits in receive: loop style").isEqualTo(engine.canInstrument());
            assertThat(engine.load(mainStyle('x'), ExecutionMode.COMPILED, SafePoints.AUTO).midRunCapture())
                    .as("atoll_main never returns nor calls the host: the safe choice").isEqualTo(engine.canInstrument());
            long until = System.nanoTime() + 5_000_000_000L;
            while (ModuleStyle.running.get() > 0 && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertThat(ModuleStyle.running.get()).as("the spinning probe was stopped").isZero();
            assertThat(engine.load(mainStyle('s'), ExecutionMode.COMPILED, SafePoints.IMPORTS).midRunCapture())
                    .as("asked for explicitly, a handler-style module is instrumented too").isEqualTo(engine.canInstrument());
            assertThat(engine.load(atom("probe"), ExecutionMode.COMPILED, SafePoints.AUTO).midRunCapture())
                    .as("no atoll_main at all").isFalse();
        } finally {
            ModuleStyle.limit = before;
        }
    }

    /** main_styles.wat with the byte its atoll_main branches on set to {@code style}. */
    private static byte[] mainStyle(char style) {
        byte[] b = atom("main_styles");
        byte[] marker = "s: serve".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + marker.length <= b.length; i++) {
            if (java.util.Arrays.equals(b, i, i + marker.length, marker, 0, marker.length)) {
                b[i] = (byte) style;
                return b;
            }
        }
        throw new IllegalStateException("main_styles.wasm has no data segment \"s: serve\"");
    }

    @Test
    void compilesOncePerContentAndMode() {
        byte[] probe = atom("probe");
        CompiledModule a = engine.load(probe, ExecutionMode.COMPILED);
        assertThat(engine.load(probe.clone(), ExecutionMode.COMPILED)).isSameAs(a);
        assertThat(engine.load(probe, ExecutionMode.INTERPRETED)).isNotSameAs(a);
        assertThat(a.hash()).isEqualTo(WasmEngine.sha256(probe)).hasSize(64);
        assertThat(a.hasMessageHandler()).isTrue();
        assertThat(a.hasMain()).isFalse();
    }

    @Test
    void compiledClassesAreReusedFromDisk() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("atoll-cc");
        byte[] probe = atom("probe");
        new WasmEngine(dir).load(probe, ExecutionMode.COMPILED);
        try (var files = java.nio.file.Files.walk(dir)) {
            assertThat(files.filter(f -> f.toString().endsWith(".jar")).count()).isEqualTo(1);
        }
        // a second engine (a restarted node) loads the classes and runs them
        CompiledModule m = new WasmEngine(dir).load(probe, ExecutionMode.COMPILED);
        RecordingHost host = new RecordingHost();
        AtomInstance i = new WasmEngine(dir).instantiate(m, host, InstanceOptions.DEFAULT);
        i.start();
        i.onMessage(new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", "echo cached".getBytes()).encode());
        assertThat(host.sent).containsExactly("s <- cached");
    }

    @Test
    void aDamagedCacheEntryIsIgnored() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("atoll-cc");
        byte[] probe = atom("probe");
        new WasmEngine(dir).load(probe, ExecutionMode.COMPILED);
        try (var files = java.nio.file.Files.walk(dir)) {
            for (var f : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                java.nio.file.Files.write(f, "garbage".getBytes());
            }
        }
        CompiledModule m = new WasmEngine(dir).load(probe, ExecutionMode.COMPILED);
        RecordingHost host = new RecordingHost();
        AtomInstance i = engine.instantiate(m, host, InstanceOptions.DEFAULT);
        i.start();
        i.onMessage(new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", "echo fine".getBytes()).encode());
        assertThat(host.sent).containsExactly("s <- fine");
    }

    @Test
    void malformedBytesAreRefused() {
        assertThatThrownBy(() -> engine.load(new byte[] {0, 'a', 's', 'm', 9, 9}, ExecutionMode.COMPILED))
                .isInstanceOf(ModuleException.class).hasMessageContaining("malformed");
        assertThatThrownBy(() -> engine.load("hello".getBytes(), ExecutionMode.INTERPRETED))
                .isInstanceOf(ModuleException.class);
    }

    @Test
    void checkNamesEveryMissingImport() {
        CompiledModule m = engine.load(atom("missing_import"), ExecutionMode.COMPILED);
        assertThatThrownBy(() -> engine.check(m, InstanceOptions.DEFAULT))
                .isInstanceOf(ModuleException.class)
                .hasMessageContaining("atoll.does_not_exist")
                .hasMessageContaining("env.mystery");
    }

    @Test
    void checkRefusesWasiUnlessGranted() {
        CompiledModule m = engine.load(atom("wasi_hello"), ExecutionMode.COMPILED);
        assertThatThrownBy(() -> engine.check(m, InstanceOptions.DEFAULT)).hasMessageContaining("'wasi' capability");
        engine.check(m, new InstanceOptions(64L << 20, true));
    }

    @Test
    void instanceRunsAHandlerAgainstAHost() {
        for (ExecutionMode mode : ExecutionMode.values()) {
            CompiledModule m = engine.load(atom("probe"), mode);
            engine.check(m, InstanceOptions.DEFAULT);
            RecordingHost host = new RecordingHost();
            AtomInstance i = engine.instantiate(m, host, InstanceOptions.DEFAULT);
            i.start();
            byte[] env = new Envelope(Abi.KIND_MESSAGE, 0, 42, "t/s/0", "t/s/0", "echo hi".getBytes()).encode();
            assertThat(i.onMessage(env)).isZero();
            assertThat(host.sent).containsExactly("t/s/0 <- hi #42");
        }
    }

    @Test
    void trapsAndInterruptsBecomeTypedFaults() throws Exception {
        CompiledModule m = engine.load(atom("probe"), ExecutionMode.COMPILED);
        AtomInstance i = engine.instantiate(m, new RecordingHost(), InstanceOptions.DEFAULT);
        i.start();
        byte[] trap = new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", "trap".getBytes()).encode();
        assertThatThrownBy(() -> i.onMessage(trap)).isInstanceOfSatisfying(GuestFault.class,
                f -> assertThat(f.kind()).isEqualTo(GuestFault.Kind.TRAP));

        AtomInstance spinner = engine.instantiate(m, new RecordingHost(), InstanceOptions.DEFAULT);
        spinner.start();
        byte[] spin = new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", "spin".getBytes()).encode();
        GuestFault[] seen = new GuestFault[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                spinner.onMessage(spin);
            } catch (GuestFault f) {
                seen[0] = f;
            }
        });
        Thread.sleep(100);
        t.interrupt();
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(seen[0].kind()).isEqualTo(GuestFault.Kind.TIMEOUT);
    }

    @Test
    void memoryGrowthStopsAtTheLimit() {
        CompiledModule m = engine.load(atom("probe"), ExecutionMode.COMPILED);
        RecordingHost host = new RecordingHost();
        AtomInstance i = engine.instantiate(m, host, new InstanceOptions(4L << 20, false));
        i.start();
        i.onMessage(new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", "grow 64".getBytes()).encode());
        assertThat(host.sent.get(0)).startsWith("s <- grew ");
        assertThat(i.memoryBytes()).isLessThanOrEqualTo(4L << 20);
    }

    @Test
    void capturedStateContinuesInAFreshInstance() {
        for (ExecutionMode mode : ExecutionMode.values()) {
            CompiledModule m = engine.load(atom("probe"), mode);
            RecordingHost host = new RecordingHost();
            AtomInstance a = engine.instantiate(m, host, InstanceOptions.DEFAULT);
            a.start();
            for (int i = 0; i < 3; i++) {
                a.onMessage(new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", ("grow 1").getBytes()).encode());
            }
            InstanceState s = a.capture();
            assertThat(s.sizeBytes()).isLessThan(a.memoryBytes() / 4); // zero pages compress away
            AtomInstance b = engine.restore(m, host, InstanceOptions.DEFAULT, s);
            assertThat(b.memoryBytes()).isEqualTo(a.memoryBytes());
            b.onMessage(new Envelope(Abi.KIND_MESSAGE, 0, 0, "s", "s", "count".getBytes()).encode());
            assertThat(host.sent.get(host.sent.size() - 1)).isEqualTo("s <- 4");
        }
    }

    @Test
    void memoryGrowthTablesAndMutableGlobalsRoundTripThroughACapture() {
        for (ExecutionMode from : ExecutionMode.values()) {
            for (ExecutionMode to : ExecutionMode.values()) {
                CompiledModule a = engine.load(atom("state_shapes"), from);
                AtomInstance one = engine.instantiate(a, new RecordingHost(), InstanceOptions.DEFAULT);
                for (int i = 0; i < 3; i++) {
                    one.call("step");
                }
                long observed = one.call("observe")[0];
                // 3 steps; table swapped 3 times (entry 0 calls $two); 4 pages; the newest holds 3; last grow returned 3
                assertThat(observed).isEqualTo(3_000_000L + 2 * 10_000 + 4 * 100 + 3 + 3);
                InstanceState s = one.capture();
                for (InstanceState form : List.of(s, s.withMemory(InstanceState.RAW, one.readMemory()))) {
                    AtomInstance two = engine.restore(engine.load(atom("state_shapes"), to), new RecordingHost(),
                            InstanceOptions.DEFAULT, form);
                    assertThat(two.call("observe")[0]).as(from + " -> " + to).isEqualTo(observed);
                    assertThat(Double.longBitsToDouble(two.call("half")[0])).isEqualTo(1.5);
                    two.call("step"); // and it goes on from there, like the original would
                    one.call("step");
                    assertThat(two.call("observe")[0]).isEqualTo(one.call("observe")[0]);
                    one = engine.restore(a, new RecordingHost(), InstanceOptions.DEFAULT, s); // back to the capture
                }
            }
        }
    }

    @Test
    void aDeltaCarriesOnlyChangedPagesAndRebuildsTheMemory() {
        CompiledModule m = engine.load(atom("state_shapes"), ExecutionMode.COMPILED);
        AtomInstance a = engine.instantiate(m, new RecordingHost(), InstanceOptions.DEFAULT);
        a.call("step");
        byte[] base = a.readMemory(); // what a target got from pre-copy
        a.call("step"); // grows a page and writes into it
        InstanceState delta = a.capture(base);
        assertThat(delta.form()).isEqualTo(InstanceState.DELTA);
        assertThat(InstanceState.deltaPages(delta.memory())).as("only the new page differs").isEqualTo(1);
        // the receiving side: the pre-copied pages into a fresh instance, then the delta on top
        AtomInstance b = engine.instantiate(m, new RecordingHost(), InstanceOptions.DEFAULT);
        int pages = base.length / 65536;
        int[] all = java.util.stream.IntStream.range(0, pages).toArray();
        b.stagePages(pages, all, base, java.util.stream.IntStream.range(0, pages).map(p -> p * 65536).toArray());
        engine.restoreOnto(b, delta);
        assertThat(b.readMemory()).isEqualTo(a.readMemory());
        assertThat(b.call("observe")[0]).isEqualTo(a.call("observe")[0]);
        assertThatThrownBy(() -> engine.restore(m, new RecordingHost(), InstanceOptions.DEFAULT, delta))
                .hasMessageContaining("pre-copied base");
    }

    /** Records sends; everything else is unused by these commands. */
    static final class RecordingHost implements AtomHost {
        final List<String> sent = new ArrayList<>();

        @Override
        public int send(String to, byte[] payload, int flags, long correlation) {
            sent.add(to + " <- " + new String(payload, StandardCharsets.UTF_8) + (correlation != 0 ? " #" + correlation : ""));
            return 1;
        }

        @Override public byte[] receive(long timeoutMs) { return null; }
        @Override public void aliasAdd(String alias) {}
        @Override public void aliasRemove(String alias) {}
        @Override public List<String> lookup(int mode, String query) { return List.of(); }
        @Override public String selfName() { return "t/s/0"; }
        @Override public String spawn(String definition) { return "t/" + definition + "/r1"; }
        @Override public byte[] kvGet(byte[] key) { return null; }
        @Override public void kvPut(byte[] key, byte[] value) {}
        @Override public void kvDelete(byte[] key) {}
        @Override public byte[] kvScan(byte[] prefix, int limit) { return new byte[4]; }
        @Override public void log(int level, String text) {}
        @Override public void exit(int code) { throw new AtomExit(code); }
    }
}
