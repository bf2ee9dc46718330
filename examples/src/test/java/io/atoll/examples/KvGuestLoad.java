package io.atoll.examples;

import io.atoll.examples.kvstore.Ring;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The guest CPU of one kv request, alone: kv-frontend.wasm and 24 kv-node.wasm instances (three
 * simulated nodes of eight) run in this one thread under {@link FakeHost}, with no HTTP, fabric,
 * storage engine or other process, so what is timed is the Wasm code of the atoms (TeaVM's output
 * run by Chicory's compiler), the SDK inside it, and FakeHost's cheap imports. Run by
 * {@code bench/kv-guest}, which compares builds of the modules (see bench/README.md); not a test.
 *
 * <p>Usage: {@code KvGuestLoad WARMUP_S MEASURE_S} with {@code -Datoll.wasm.dir=DIR} naming the
 * modules. The request mix is bench/radon's (20 % put of a new key with a 64-byte value, 40 % get
 * of a random key, some never put, 40 % get of a recent key); the frontend runs on node a, so
 * two keys in three have a local replica, as in the cluster. Prints one line:
 * {@code kv-guest us-per-request=X requests=N}.
 */
public final class KvGuestLoad {
    private KvGuestLoad() {
    }

    public static void main(String[] args) {
        long warmS = Long.parseLong(args[0]);
        long measureS = Long.parseLong(args[1]);
        List<String> ids = new ArrayList<>();
        for (String node : new String[] {"a", "b", "c"}) {
            for (int k = 0; k < 8; k++) {
                ids.add(node + "-" + k);
            }
        }
        KvStoreAtomsTest.Sim sim = new KvStoreAtomsTest.Sim().kvnodes(ids.toArray(new String[0]));
        sim.publish(new Ring(1, 2, ids));
        sim.newFrontendOn("a");
        Load load = new Load(sim);
        load.runFor(warmS);
        long t0 = System.nanoTime();
        long n = load.runFor(measureS);
        double us = (System.nanoTime() - t0) / 1e3 / n;
        System.out.printf(Locale.ROOT, "kv-guest us-per-request=%.2f requests=%d%n", us, n);
    }

    /** bench/radon's mix; every answer must be 200 (or 404 for a key never put). */
    static final class Load {
        private final KvStoreAtomsTest.Sim sim;
        private final Random random = new Random(1);
        private final String value = "v".repeat(64);
        private int puts;

        Load(KvStoreAtomsTest.Sim sim) {
            this.sim = sim;
        }

        long runFor(long seconds) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long n = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 100; i++, n++) {
                    one();
                }
                sim.answers.clear(); // only the last answer is read
            }
            return n;
        }

        private void one() {
            int dice = random.nextInt(10);
            FakeHost.HttpAnswer a;
            if (dice < 2 || puts == 0) {
                a = sim.http("PUT", "key" + puts++, value);
            } else if (dice < 6) {
                a = sim.http("GET", "key" + random.nextInt(puts + puts / 10 + 1), "");
            } else {
                a = sim.http("GET", "key" + Math.max(0, puts - 1 - random.nextInt(50)), "");
            }
            if (a.status() != 200 && a.status() != 404) {
                throw new IllegalStateException("answered " + a.status() + ": " + a.body());
            }
        }
    }
}
