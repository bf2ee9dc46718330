package io.atoll.testatoms;

import static com.dylibso.chicory.wasm.types.ValType.I32;
import static com.dylibso.chicory.wasm.types.ValType.I64;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntSupplier;

/**
 * A tiny single-atom host implementing the {@code atoll} imports of docs/abi.md in memory, to run
 * C atoms on Chicory without the runtime. Independent of the runtime modules on purpose. Shared
 * with other modules through this module's test-jar (examples/c-sensor uses it).
 */
public final class FakeHost {
    /** The ABI's import signatures (docs/abi.md section 2). */
    public static final Map<String, FunctionType> ABI = new TreeMap<>();

    static {
        ABI.put("take", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("send", fn(List.of(I32, I32, I32, I32, I32, I64), List.of(I32)));
        ABI.put("receive", fn(List.of(I64), List.of(I32)));
        ABI.put("alias_add", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("alias_remove", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("lookup", fn(List.of(I32, I32, I32), List.of(I32)));
        ABI.put("self_name", fn(List.of(), List.of(I32)));
        ABI.put("spawn", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("kv_get", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("kv_put", fn(List.of(I32, I32, I32, I32), List.of(I32)));
        ABI.put("kv_delete", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("kv_scan", fn(List.of(I32, I32, I32), List.of(I32)));
        ABI.put("clock_wall", fn(List.of(), List.of(I64)));
        ABI.put("clock_monotonic", fn(List.of(), List.of(I64)));
        ABI.put("random", fn(List.of(I32, I32), List.of(I32)));
        ABI.put("log", fn(List.of(I32, I32, I32), List.of(I32)));
        ABI.put("exit", fn(List.of(I32), List.of()));
    }

    private static FunctionType fn(List<ValType> params, List<ValType> results) {
        return FunctionType.of(params, results);
    }

    public record Sent(String to, byte[] data, int flags, long correlation) {
        public String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    public record Log(int level, String text) {}

    /** Thrown by the fake {@code exit}. */
    public static final class AtomExit extends RuntimeException {
        public final int code;

        AtomExit(int code) {
            super("exit " + code);
            this.code = code;
        }
    }

    /** Thrown by the fake {@code receive} when the mailbox is empty (instead of blocking). */
    public static final class MailboxEmpty extends RuntimeException {
        MailboxEmpty() {
            super("mailbox empty");
        }
    }

    public final List<Sent> sent = new ArrayList<>();
    public final List<Log> logs = new ArrayList<>();
    public final TreeMap<String, byte[]> kv = new TreeMap<>();
    public final TreeSet<String> aliases = new TreeSet<>();
    public final Deque<byte[]> mailbox = new ArrayDeque<>();
    public final Map<String, String> lookupAnswers = new TreeMap<>();
    public String selfName = "test/probe/0";
    public IntSupplier sendResult = () -> 1;
    private byte[] result = new byte[0];
    private int spawned;
    public final Instance instance;

    /** Runs the classpath resource /atoms/ATOM.wasm. */
    public FakeHost(String atom) {
        this(load(atom), MemoryLimits.MAX_PAGES);
    }

    /** Runs /atoms/ATOM.wasm with at most maxPages of memory, plus extra host functions. */
    public FakeHost(String atom, int maxPages, HostFunction... extra) {
        this(load(atom), maxPages, extra);
    }

    /** Runs a module with at most maxPages of memory, plus extra host functions. */
    public FakeHost(byte[] wasm, int maxPages, HostFunction... extra) {
        WasmModule module = Parser.parse(wasm);
        int initial = module.memorySection().orElseThrow().getMemory(0).limits().initialPages();
        List<ImportFunction> functions = new ArrayList<>(hostFunctions());
        functions.addAll(Arrays.asList(extra));
        instance = Instance.builder(module)
                .withImportValues(ImportValues.builder().withFunctions(functions).build())
                .withMemoryLimits(new MemoryLimits(initial, maxPages))
                .withStart(false)
                .build();
        if (hasExport(module, "_initialize")) {
            instance.export("_initialize").apply();
        }
    }

    public static byte[] load(String atom) {
        try (InputStream in = FakeHost.class.getResourceAsStream("/atoms/" + atom + ".wasm")) {
            if (in == null) {
                throw new IllegalStateException("no /atoms/" + atom + ".wasm on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean hasExport(WasmModule module, String name) {
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            if (module.exportSection().getExport(i).name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    public Memory memory() {
        return instance.memory();
    }

    // ---- driving the atom -------------------------------------------------------------------

    /** Writes the envelope into a buffer from atoll_alloc and calls atoll_on_message. */
    public int deliver(byte[] envelope) {
        int ptr = (int) instance.export("atoll_alloc").apply(envelope.length)[0];
        memory().write(ptr, envelope);
        return (int) instance.export("atoll_on_message").apply(ptr, envelope.length)[0];
    }

    /** A plain message from the API (reply-to _reply/1, correlation 42). */
    public int command(String text) {
        return deliver(envelope(0, 0, 42, "_api", "_reply/1", utf8(text)));
    }

    /** A plain message from another atom (reply-to = sender). */
    public int fromAtom(String sender, String text) {
        return deliver(envelope(0, 0, 0, sender, sender, utf8(text)));
    }

    /** Sends the command and returns the text of the single answer it produced. */
    public String ask(String text) {
        int before = sent.size();
        int rc = command(text);
        if (rc != 0) {
            throw new AssertionError("atoll_on_message returned " + rc + " for " + text);
        }
        if (sent.size() != before + 1) {
            throw new AssertionError("expected one answer to '" + text + "', got " + sent.subList(before, sent.size()));
        }
        return last().text();
    }

    /**
     * Delivers an HTTP request (from _ingress, reply-to _reply/http) and returns its single answer
     * as a response: decoded if sent with flag HTTP_RESPONSE, else a 200 with the plain payload.
     */
    public HttpResponse http(String method, String path, String body) {
        int before = sent.size();
        byte[] req = httpRequest(method, path, List.of(), utf8(body));
        int rc = deliver(envelope(1, 0, 99, "_ingress", "_reply/http", req));
        if (rc != 0) {
            throw new AssertionError("atoll_on_message returned " + rc + " for " + method + " " + path);
        }
        if (sent.size() != before + 1 || !last().to().equals("_reply/http")) {
            throw new AssertionError("expected one answer to " + method + " " + path + ", got " + sent.subList(before, sent.size()));
        }
        Sent s = last();
        if ((s.flags() & 0x8) != 0) {
            return decodeHttpResponse(s.data());
        }
        return new HttpResponse(200, List.of(Map.entry("content-type", "application/octet-stream")), s.text());
    }

    public Sent last() {
        return sent.get(sent.size() - 1);
    }

    public int callRecover(String fault) {
        byte[] b = utf8(fault);
        int ptr = (int) instance.export("atoll_alloc").apply(b.length)[0];
        memory().write(ptr, b);
        return (int) instance.export("atoll_recover").apply(ptr, b.length)[0];
    }

    // ---- encodings ----------------------------------------------------------------------------

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] envelope(int kind, int flags, long corr, String sender, String replyTo, byte[] payload) {
        byte[] s = utf8(sender);
        byte[] r = utf8(replyTo);
        ByteBuffer b = ByteBuffer.allocate(28 + s.length + r.length + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(kind).putInt(flags).putLong(corr).putInt(s.length).putInt(r.length).putInt(payload.length);
        b.put(s).put(r).put(payload);
        return b.array();
    }

    public static byte[] httpRequest(String method, String path, List<Map.Entry<String, String>> headers, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        putBytes(out, utf8(method));
        putBytes(out, utf8(path));
        putInt(out, headers.size());
        for (var h : headers) {
            putBytes(out, utf8(h.getKey()));
            putBytes(out, utf8(h.getValue()));
        }
        putBytes(out, body);
        return out.toByteArray();
    }

    public record HttpResponse(int status, List<Map.Entry<String, String>> headers, String body) {}

    public static HttpResponse decodeHttpResponse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int status = b.getInt();
        int n = b.getInt();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            headers.add(Map.entry(string(b), string(b)));
        }
        String body = string(b);
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " trailing bytes");
        }
        return new HttpResponse(status, headers, body);
    }

    private static String string(ByteBuffer b) {
        byte[] x = new byte[b.getInt()];
        b.get(x);
        return new String(x, StandardCharsets.UTF_8);
    }

    private static void putInt(ByteArrayOutputStream out, int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void putBytes(ByteArrayOutputStream out, byte[] b) {
        putInt(out, b.length);
        out.writeBytes(b);
    }

    // ---- the imports --------------------------------------------------------------------------

    private String str(Instance inst, long ptr, long len) {
        return inst.memory().readString((int) ptr, (int) len);
    }

    private byte[] bytes(Instance inst, long ptr, long len) {
        return inst.memory().readBytes((int) ptr, (int) len);
    }

    private long result(byte[] value) {
        result = value;
        return value.length;
    }

    private HostFunction host(String name, Handler h) {
        return new HostFunction("atoll", name, ABI.get(name), (inst, args) -> {
            long r = h.call(inst, args);
            return ABI.get(name).returns().isEmpty() ? null : new long[] {r};
        });
    }

    @FunctionalInterface
    private interface Handler {
        long call(Instance inst, long... args);
    }

    private List<HostFunction> hostFunctions() {
        SecureRandom random = new SecureRandom();
        return List.of(
                host("take", (inst, a) -> {
                    int n = (int) Math.min(a[1], result.length);
                    inst.memory().write((int) a[0], result, 0, n);
                    return result.length;
                }),
                host("send", (inst, a) -> {
                    int r = sendResult.getAsInt();
                    sent.add(new Sent(str(inst, a[0], a[1]), bytes(inst, a[2], a[3]), (int) a[4], a[5]));
                    return r;
                }),
                host("receive", (inst, a) -> {
                    if (mailbox.isEmpty()) {
                        if (a[0] == 0) {
                            return -2; // ETIMEOUT
                        }
                        throw new MailboxEmpty();
                    }
                    return result(mailbox.poll());
                }),
                host("alias_add", (inst, a) -> {
                    aliases.add(str(inst, a[0], a[1]));
                    return 0;
                }),
                host("alias_remove", (inst, a) -> aliases.remove(str(inst, a[0], a[1])) ? 0 : -1),
                host("lookup", (inst, a) -> {
                    String q = a[0] + ":" + str(inst, a[1], a[2]);
                    return result(utf8(lookupAnswers.getOrDefault(q, "")));
                }),
                host("self_name", (inst, a) -> result(utf8(selfName))),
                host("spawn", (inst, a) -> result(utf8("test/" + str(inst, a[0], a[1]) + "/r" + ++spawned))),
                host("kv_get", (inst, a) -> {
                    byte[] v = kv.get(str(inst, a[0], a[1]));
                    return v == null ? -1 : result(v);
                }),
                host("kv_put", (inst, a) -> {
                    kv.put(str(inst, a[0], a[1]), bytes(inst, a[2], a[3]));
                    return 0;
                }),
                host("kv_delete", (inst, a) -> {
                    kv.remove(str(inst, a[0], a[1]));
                    return 0;
                }),
                host("kv_scan", (inst, a) -> {
                    String prefix = str(inst, a[0], a[1]);
                    int limit = (int) a[2];
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int count = 0;
                    ByteArrayOutputStream entries = new ByteArrayOutputStream();
                    for (var e : kv.tailMap(prefix).entrySet()) {
                        if (!e.getKey().startsWith(prefix) || (limit > 0 && count == limit)) {
                            break;
                        }
                        putBytes(entries, utf8(e.getKey()));
                        putBytes(entries, e.getValue());
                        count++;
                    }
                    putInt(out, count);
                    out.writeBytes(entries.toByteArray());
                    return result(out.toByteArray());
                }),
                host("clock_wall", (inst, a) -> System.currentTimeMillis() * 1_000_000L),
                host("clock_monotonic", (inst, a) -> System.nanoTime()),
                host("random", (inst, a) -> {
                    byte[] b = new byte[(int) a[1]];
                    random.nextBytes(b);
                    inst.memory().write((int) a[0], b);
                    return 0;
                }),
                host("log", (inst, a) -> {
                    logs.add(new Log((int) a[0], str(inst, a[1], a[2])));
                    return 0;
                }),
                host("exit", (inst, a) -> {
                    throw new AtomExit((int) a[0]);
                }));
    }
}
