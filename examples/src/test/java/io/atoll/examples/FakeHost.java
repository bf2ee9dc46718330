package io.atoll.examples;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A tiny in-process stand-in for the Atoll runtime: the {@code atoll} imports of docs/abi.md over a
 * result buffer, a mailbox, a sorted key-value map and a record of sends and log lines, plus shims
 * for the {@code teavm.*} / {@code teavmMath.*} imports of TeaVM-built modules. Runs a module with
 * Chicory the way the runtime does: {@code withStart(false)}, then {@code _start}, {@code atoll_main}.
 */
final class FakeHost {
    static final Path WASM_DIR = Path.of(System.getProperty("atoll.wasm.dir", "target/wasm"));

    private static final Map<String, WasmModule> MODULES = new ConcurrentHashMap<>();
    /**
     * With {@code -Datoll.fakehost.seed=N}, the {@code random} import's bytes come from this seeded
     * generator instead of SecureRandom: a single-threaded run then allocates the same in every
     * run (the SDK's correlation ids, and so message sizes, come from it), which makes a heap
     * corruption reproducible (bench/kv-guest).
     */
    private static final java.util.Random SEEDED =
            Long.getLong("atoll.fakehost.seed") == null ? null : new java.util.Random(Long.getLong("atoll.fakehost.seed"));
    private static final Map<String, Function<Instance, Machine>> MACHINES = new ConcurrentHashMap<>();

    /** One {@code send} call. */
    record Sent(String to, byte[] data, int flags, long correlation) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** Thrown by the fake {@code exit} import: unwinds the Wasm stack like the runtime does. */
    static final class AtomExit extends RuntimeException {
        final int code;

        AtomExit(int code) {
            super("atom exited with " + code);
            this.code = code;
        }
    }

    /** Thrown by {@code receive(-1)} on an empty mailbox: the test has nothing more to deliver. */
    static final class MailboxDrained extends RuntimeException {
        MailboxDrained() {
            super("mailbox drained");
        }
    }

    final String selfName;
    final Deque<byte[]> mailbox = new ArrayDeque<>();
    final TreeMap<String, byte[]> kv;
    final List<Sent> sent = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    final List<String> teavmLog = new ArrayList<>();
    final List<String> aliases = new ArrayList<>();
    final List<Long> receiveTimeouts = new ArrayList<>();
    /** Instance names {@code lookup} knows (this one, and what {@code spawn} created). */
    final java.util.TreeSet<String> instances = new java.util.TreeSet<>();
    /**
     * For loop atoms that wait with timeouts ({@code receive(ms)}): past this {@code System.nanoTime()},
     * a timed receive on an empty mailbox ends the run like a drained mailbox.
     */
    long drainAtNanos = Long.MAX_VALUE;
    /** What {@code send} returns (delivered count or an error code). */
    java.util.function.ToIntFunction<Sent> sendResult = s -> 1;
    private byte[] result = new byte[0];
    Instance instance;

    FakeHost(String selfName) {
        this(selfName, new TreeMap<>());
    }

    /** A host sharing {@code kv} with others (same application). */
    FakeHost(String selfName, TreeMap<String, byte[]> kv) {
        this.selfName = selfName;
        this.kv = kv;
        instances.add(selfName);
    }

    static WasmModule module(String atom) {
        return MODULES.computeIfAbsent(atom, a -> {
            Path file = WASM_DIR.resolve(a + ".wasm");
            if (!Files.isRegularFile(file)) {
                throw new IllegalStateException(file + " missing: run the Maven build (process-classes) first");
            }
            return Parser.parse(file);
        });
    }

    /** Instantiates the atom the way the runtime does (start section runs, {@code _start} does not). */
    Instance instantiate(String atom) {
        WasmModule module = module(atom);
        Function<Instance, Machine> machine = MACHINES.computeIfAbsent(atom, a -> MachineFactoryCompiler.compile(module));
        instance = Instance.builder(module)
                .withImportValues(imports(module))
                .withMachineFactory(machine)
                .withMemoryFactory(ByteArrayMemory::new) // as the runtime (WasmEngine) does
                .withStart(false)
                .build();
        return instance;
    }

    /**
     * For a loop atom: {@code _start}, then {@code atoll_main}, which runs until the mailbox is
     * drained (the fake {@code receive(-1)} then unwinds it) or the atom exits.
     *
     * @return the exit code passed to {@code exit}, or {@code null} if the loop was waiting for more
     */
    Integer runLoopUntilDrained() {
        try {
            int rc = startUp();
            throw new AssertionError("atoll_main returned " + rc + " instead of looping; atom log " + log);
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof MailboxDrained) {
                    return null;
                }
                if (t instanceof AtomExit exit) {
                    return exit.code;
                }
            }
            throw new IllegalStateException("loop failed: " + e + "; teavm log " + teavmLog + "; atom log " + log, e);
        }
    }

    /** {@code _initialize} (if any), {@code _start}, then {@code atoll_main}; returns atoll_main's result. */
    int startUp() {
        if (exports(instance.module()).contains("_initialize")) {
            instance.export("_initialize").apply();
        }
        instance.export("_start").apply();
        return (int) instance.export("atoll_main").apply()[0];
    }

    static List<String> exports(WasmModule module) {
        List<String> names = new ArrayList<>();
        var es = module.exportSection();
        for (int i = 0; i < es.exportCount(); i++) {
            names.add(es.getExport(i).name());
        }
        return names;
    }

    /** Writes an envelope into the buffer of {@code atoll_alloc} and calls {@code atoll_on_message}. */
    int deliver(byte[] envelope) {
        return call("deliver", () -> {
            int ptr = (int) instance.export("atoll_alloc").apply(envelope.length)[0];
            if (ptr == 0) {
                throw new IllegalStateException("atoll_alloc returned 0");
            }
            instance.memory().write(ptr, envelope);
            return (int) instance.export("atoll_on_message").apply(ptr, envelope.length)[0];
        });
    }

    /** Runs a guest call; a trap is rethrown with the guest's log lines, which usually say why. */
    <T> T call(String what, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof AtomExit exit) {
                    throw exit;
                }
            }
            throw new IllegalStateException(what + " failed: " + e + "; teavm log " + teavmLog + "; atom log " + log, e);
        }
    }

    /** Calls {@code atoll_recover} with a fault description written into {@code atoll_alloc}'s buffer. */
    int recover(String fault) {
        byte[] b = fault.getBytes(StandardCharsets.UTF_8);
        int ptr = (int) instance.export("atoll_alloc").apply(b.length)[0];
        instance.memory().write(ptr, b);
        return (int) instance.export("atoll_recover").apply(ptr, b.length)[0];
    }

    // ------------------------------------------------------------------ envelopes

    static byte[] envelope(int kind, int flags, long correlation, String sender, String replyTo, byte[] payload) {
        byte[] s = sender.getBytes(StandardCharsets.UTF_8);
        byte[] r = replyTo.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(28 + s.length + r.length + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(kind).putInt(flags).putLong(correlation).putInt(s.length).putInt(r.length).putInt(payload.length);
        return b.put(s).put(r).put(payload).array();
    }

    /** The last {@code send}. */
    Sent lastSent() {
        if (sent.isEmpty()) {
            throw new AssertionError("nothing was sent; atom log " + log);
        }
        return sent.get(sent.size() - 1);
    }

    static byte[] message(String sender, String text) {
        return envelope(0, 0, 0, sender, sender, text.getBytes(StandardCharsets.UTF_8));
    }

    /** An HTTP request envelope from the ingress, replying to {@code replyTo}. */
    static byte[] httpRequest(String method, String path, Map<String, String> headers, String body, String replyTo,
            long correlation) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeString(out, method);
        writeString(out, path);
        writeU32(out, headers.size());
        headers.forEach((k, v) -> {
            writeString(out, k);
            writeString(out, v);
        });
        writeString(out, body);
        return envelope(1, 0, correlation, "_ingress", replyTo, out.toByteArray());
    }

    /** Decoded HTTP response: status, headers, body. */
    record HttpAnswer(int status, Map<String, String> headers, String body) {
    }

    static HttpAnswer decodeHttpResponse(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int status = b.getInt();
        int n = b.getInt();
        Map<String, String> headers = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            headers.put(readString(b), readString(b));
        }
        String body = readString(b);
        if (b.hasRemaining()) {
            throw new IllegalStateException(b.remaining() + " trailing bytes in HTTP response");
        }
        return new HttpAnswer(status, headers, body);
    }

    private static String readString(ByteBuffer b) {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeU32(out, b.length);
        out.writeBytes(b);
    }

    private static void writeU32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    // ------------------------------------------------------------------ imports

    private ImportValues imports(WasmModule module) {
        List<ImportFunction> fns = new ArrayList<>();
        var section = module.importSection();
        for (int i = 0; i < section.importCount(); i++) {
            if (!(section.getImport(i) instanceof FunctionImport fi)) {
                continue;
            }
            FunctionType type = module.typeSection().getType(fi.typeIndex());
            fns.add(new HostFunction(fi.module(), fi.name(), type, handle(fi.module(), fi.name())));
        }
        return ImportValues.builder().withFunctions(fns).build();
    }

    private com.dylibso.chicory.runtime.WasmFunctionHandle handle(String module, String name) {
        String full = module + "." + name;
        return switch (full) {
            case "atoll.take" -> (inst, a) -> {
                int cap = (int) a[1];
                int n = Math.min(cap, result.length);
                inst.memory().write((int) a[0], java.util.Arrays.copyOf(result, n));
                return i32(result.length);
            };
            case "atoll.send" -> (inst, a) -> {
                Memory m = inst.memory();
                Sent s = new Sent(str(m, a[0], a[1]), m.readBytes((int) a[2], (int) a[3]), (int) a[4], a[5]);
                sent.add(s);
                return i32(sendResult.applyAsInt(s));
            };
            case "atoll.receive" -> (inst, a) -> {
                receiveTimeouts.add(a[0]);
                byte[] env = mailbox.poll();
                if (env == null) {
                    if (a[0] < 0 || System.nanoTime() > drainAtNanos) {
                        throw new MailboxDrained();
                    }
                    sleep(Math.min(a[0], 100));
                    return i32(-2);
                }
                return i32(setResult(env));
            };
            case "atoll.self_name" -> (inst, a) -> i32(setResult(selfName.getBytes(StandardCharsets.UTF_8)));
            case "atoll.alias_add" -> (inst, a) -> {
                aliases.add(str(inst.memory(), a[0], a[1]));
                return i32(0);
            };
            case "atoll.alias_remove" -> (inst, a) -> i32(aliases.remove(str(inst.memory(), a[0], a[1])) ? 0 : -1);
            case "atoll.lookup" -> (inst, a) -> {
                String q = str(inst.memory(), a[1], a[2]);
                List<String> hits = switch ((int) a[0]) {
                    case 0 -> instances.contains(q) ? List.of(q) : List.of();
                    case 1 -> instances.stream().filter(n -> n.startsWith(q)).toList();
                    case 2 -> aliases.contains(q) ? List.of(selfName) : List.of();
                    case 3 -> instances.stream().filter(n -> n.matches(q)).toList();
                    default -> null;
                };
                return i32(hits == null ? -5 : setResult(String.join("\n", hits).getBytes(StandardCharsets.UTF_8)));
            };
            case "atoll.spawn" -> (inst, a) -> {
                String app = selfName.substring(0, selfName.indexOf('/'));
                String spawned = app + "/" + str(inst.memory(), a[0], a[1]) + "/r" + (instances.size());
                instances.add(spawned);
                return i32(setResult(spawned.getBytes(StandardCharsets.UTF_8)));
            };
            case "atoll.kv_get" -> (inst, a) -> {
                byte[] v = kv.get(str(inst.memory(), a[0], a[1]));
                return i32(v == null ? -1 : setResult(v));
            };
            case "atoll.kv_put" -> (inst, a) -> {
                kv.put(str(inst.memory(), a[0], a[1]), inst.memory().readBytes((int) a[2], (int) a[3]));
                return i32(0);
            };
            case "atoll.kv_delete" -> (inst, a) -> {
                kv.remove(str(inst.memory(), a[0], a[1]));
                return i32(0);
            };
            case "atoll.kv_scan" -> (inst, a) -> {
                String prefix = str(inst.memory(), a[0], a[1]);
                int limit = (int) a[2];
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                List<Map.Entry<String, byte[]>> hits = new ArrayList<>();
                for (var e : kv.tailMap(prefix).entrySet()) {
                    if (!e.getKey().startsWith(prefix) || (limit > 0 && hits.size() == limit)) {
                        break;
                    }
                    hits.add(e);
                }
                writeU32(out, hits.size());
                for (var e : hits) {
                    writeString(out, e.getKey());
                    writeU32(out, e.getValue().length);
                    out.writeBytes(e.getValue());
                }
                return i32(setResult(out.toByteArray()));
            };
            case "atoll.clock_wall" -> (inst, a) -> new long[] {System.currentTimeMillis() * 1_000_000L};
            case "atoll.clock_monotonic" -> (inst, a) -> new long[] {System.nanoTime()};
            case "atoll.random" -> (inst, a) -> {
                byte[] r = new byte[(int) a[1]];
                (SEEDED != null ? SEEDED : new SecureRandom()).nextBytes(r);
                inst.memory().write((int) a[0], r);
                return i32(0);
            };
            case "atoll.log" -> (inst, a) -> {
                log.add(new String[] {"trace", "debug", "info", "warn", "error"}[(int) a[0]] + " "
                        + str(inst.memory(), a[1], a[2]));
                return i32(0);
            };
            case "atoll.exit" -> (inst, a) -> {
                throw new AtomExit((int) a[0]);
            };
            // TeaVM's runtime imports (see sdk/java-build/README.md)
            case "teavm.logString" -> (inst, a) -> {
                teavmLog.add(javaString(inst, (int) a[0]));
                return null;
            };
            case "teavm.logInt" -> (inst, a) -> {
                teavmLog.add(Integer.toString((int) a[0]));
                return null;
            };
            case "teavm.logOutOfMemory" -> (inst, a) -> {
                teavmLog.add("out of memory");
                return null;
            };
            case "teavm.currentTimeMillis" -> (inst, a) -> f64(System.currentTimeMillis());
            case "teavm.nanoTime" -> (inst, a) -> f64(System.nanoTime() / 1_000_000.0);
            case "teavm.putwcharsOut", "teavm.putwcharsErr" -> (inst, a) -> {   // UTF-8 bytes of System.out/err
                teavmLog.add(name + ": " + new String(inst.memory().readBytes((int) a[0], (int) a[1]), StandardCharsets.UTF_8));
                return null;
            };
            case "teavm.teavm_interrupt" -> (inst, a) -> null;
            case "teavmMath.random" -> (inst, a) -> f64(Math.random());
            default -> {
                if (module.equals("teavmMath")) {   // sin, cos, ..., floor: (f64) -> f64; pow, atan2: (f64, f64) -> f64
                    yield (inst, a) -> {
                        try {
                            return a.length == 1
                                    ? f64((double) Math.class.getMethod(name, double.class).invoke(null, d(a[0])))
                                    : f64((double) Math.class.getMethod(name, double.class, double.class)
                                            .invoke(null, d(a[0]), d(a[1])));
                        } catch (ReflectiveOperationException e) {
                            throw new UnsupportedOperationException("teavmMath." + name, e);
                        }
                    };
                }
                yield (inst, a) -> {
                    throw new UnsupportedOperationException("FakeHost does not implement import " + full);
                };
            }
        };
    }

    /** Reads a Java String object of the guest through TeaVM's exported helpers. */
    private static String javaString(Instance inst, int string) {
        int chars = (int) inst.export("teavm_stringData").apply(string)[0];
        int len = (int) inst.export("teavm_arrayLength").apply(chars)[0];
        int data = (int) inst.export("teavm_charArrayData").apply(chars)[0];
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            sb.append((char) inst.memory().readShort(data + 2 * i));
        }
        return sb.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int setResult(byte[] value) {
        result = value;
        return value.length;
    }

    private static String str(Memory m, long ptr, long len) {
        return new String(m.readBytes((int) ptr, (int) len), StandardCharsets.UTF_8);
    }

    private static long[] i32(int v) {
        return new long[] {v};
    }

    private static long[] f64(double v) {
        return new long[] {Double.doubleToRawLongBits(v)};
    }

    private static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }
}
