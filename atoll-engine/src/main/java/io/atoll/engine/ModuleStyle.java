package io.atoll.engine;

import io.atoll.abi.Abi;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tells handler-style modules from loop-style ones among those exporting {@code atoll_main} (the
 * Java SDK exports it in both styles; its {@code main} returns {@link Abi#MAIN_SERVE} for a
 * handler). Only loop-style modules need instrumenting for mid-run capture by default: the
 * instrumentation doubles the size of a TeaVM module's functions, and HotSpot then spends minutes
 * of CPU compiling them (docs/migration.md, safe points).
 *
 * <p>The test: start the module in the interpreter and run {@code atoll_main} against a host that
 * ends the instance at the first call it gets (logging aside). Handler style means it returned
 * {@code MAIN_SERVE}; anything else (a call to receive, kv, send..., an exit, a trap, more than
 * {@link #limit}) counts as loop style, which keeps the old, always safe, choice. The
 * verdict depends only on the module's bytes, so every node makes the same one. Cached per module.
 */
final class ModuleStyle {
    /** How long start-up and atoll_main may run in the probe (tests shorten it). */
    static volatile Duration limit = Duration.ofSeconds(10);
    private static final ConcurrentHashMap<String, Boolean> verdicts = new ConcurrentHashMap<>();
    /** Probes still running (one that overran its limit stops at its next interruption check). */
    static final AtomicInteger running = new AtomicInteger();

    private ModuleStyle() {
    }

    /** True if {@code atoll_main} of this (uninstrumented, interpreted) module asks to be served handler calls. */
    static boolean servesHandlers(WasmEngine engine, CompiledModule interpreted) {
        return verdicts.computeIfAbsent(interpreted.hash(), h -> probe(engine, interpreted));
    }

    private static boolean probe(WasmEngine engine, CompiledModule m) {
        AtomicBoolean serves = new AtomicBoolean();
        running.incrementAndGet();
        Thread t = Thread.ofVirtual().name("atoll-style-probe").start(() -> {
            try {
                AtomInstance i = engine.instantiate(m, RefusingHost.endingAtFirstCall(), InstanceOptions.DEFAULT);
                i.start();
                serves.set(i.runMain() == Abi.MAIN_SERVE);
            } catch (RuntimeException | StackOverflowError e) {
                // it called the host, exited, trapped or cannot start here: loop style (instrumented)
            } finally {
                running.decrementAndGet();
            }
        });
        try {
            if (!t.join(limit)) {
                t.interrupt();
                t.join(TimeUnit.SECONDS.toMillis(1));
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
            return false;
        }
        return serves.get();
    }
}
