package io.atoll.engine;

import static com.dylibso.chicory.wasm.types.ValType.F64;
import static com.dylibso.chicory.wasm.types.ValType.I32;
import static com.dylibso.chicory.wasm.types.ValType.I64;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import io.atoll.abi.Abi;
import io.atoll.abi.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code atoll} import module (docs/abi.md §2): signatures, and the glue that turns
 * (pointer, length) arguments into Java values for an {@link AtomHost}.
 */
final class AtollImports {
    private static final Logger LOG = LoggerFactory.getLogger(AtollImports.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Every import the runtime provides, with its Wasm signature. */
    static final Map<String, FunctionType> SIGNATURES = new LinkedHashMap<>();

    static {
        sig("take", List.of(I32, I32), I32);
        sig("send", List.of(I32, I32, I32, I32, I32, I64), I32);
        sig("receive", List.of(I64), I32);
        sig("alias_add", List.of(I32, I32), I32);
        sig("alias_remove", List.of(I32, I32), I32);
        sig("lookup", List.of(I32, I32, I32), I32);
        sig("self_name", List.of(), I32);
        sig("spawn", List.of(I32, I32), I32);
        sig("kv_get", List.of(I32, I32), I32);
        sig("kv_put", List.of(I32, I32, I32, I32), I32);
        sig("kv_delete", List.of(I32, I32), I32);
        sig("kv_scan", List.of(I32, I32, I32), I32);
        sig("clock_wall", List.of(), I64);
        sig("clock_monotonic", List.of(), I64);
        sig("random", List.of(I32, I32), I32);
        sig("log", List.of(I32, I32, I32), I32);
        SIGNATURES.put("exit", FunctionType.of(List.of(I32), List.of()));
    }

    private static void sig(String name, List<ValType> params, ValType result) {
        SIGNATURES.put(name, FunctionType.of(params, List.of(result)));
    }

    private AtollImports() {}

    /**
     * The host functions for one instance, bound to its host, its result buffer and its call
     * stack (an import the module was instrumented for may unwind instead of running).
     */
    static HostFunction[] bind(AtomHost host, ResultBuffer result, CallStack stack) {
        return SIGNATURES.keySet().stream()
                .map(name -> new HostFunction(Abi.IMPORT_MODULE, name, SIGNATURES.get(name),
                        unwinding(Abi.IMPORT_MODULE + "." + name, DUMMY, host, stack, guard(name, handler(name, host, result)))))
                .toArray(HostFunction[]::new);
    }

    /**
     * {@code env.log_execution}, which {@link SafePoints#ANYWHERE} instrumentation calls at every
     * loop header and function entry: a safe point and nothing else.
     */
    static HostFunction logExecution(AtomHost host, CallStack stack) {
        return new HostFunction("env", "log_execution", FunctionType.of(List.of(ValType.I32), List.of()),
                unwinding(Asyncify.LOG_EXECUTION, null, host, stack, (inst, a) -> null));
    }

    /** Lets an import unwind the stack (before it does anything) when a capture is requested. */
    private static WasmFunctionHandle unwinding(String qualified, long[] dummy, AtomHost host, CallStack stack,
            WasmFunctionHandle h) {
        if (!stack.unwindsAt(qualified)) {
            return h;
        }
        return (instance, args) -> {
            if (stack.beforeImport(qualified, host)) {
                return dummy == null ? null : new long[] {0};
            }
            while (true) {
                try {
                    return h.apply(instance, args);
                } catch (CaptureSignal signal) { // receive woke up for a capture
                    if (stack.unwind()) {
                        return dummy == null ? null : new long[] {0};
                    }
                    host.captureFailed("no memory left for the call stack's save area (one page)");
                }
            }
        };
    }

    /** What an unwinding import returns (one i32 or i64): ignored by the instrumented caller. */
    private static final long[] DUMMY = {0};

    /** Converts host-side failures into ABI error codes so the guest never sees a Java exception. */
    private static WasmFunctionHandle guard(String name, WasmFunctionHandle h) {
        return (instance, args) -> {
            try {
                return h.apply(instance, args);
            } catch (HostError e) {
                return code(e.code());
            } catch (AtomExit | GuestInterrupt | CaptureSignal e) {
                throw e;
            } catch (BadPointer e) {
                return code(ErrorCode.EINVAL);
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new GuestInterrupt();
                }
                LOG.warn("host function atoll.{} failed", name, e);
                return code(ErrorCode.EINTERNAL);
            }
        };
    }

    private static long[] code(ErrorCode c) {
        return new long[] {c.code()};
    }

    private static long[] i32(int v) {
        return new long[] {v};
    }

    private static WasmFunctionHandle handler(String name, AtomHost host, ResultBuffer result) {
        return switch (name) {
            case "take" -> (inst, a) -> i32(result.take(inst.memory(), (int) a[0], (int) a[1]));
            case "send" -> (inst, a) -> i32(host.send(
                    str(inst, a[0], a[1]), bytes(inst, a[2], a[3]), (int) a[4], a[5]));
            case "receive" -> (inst, a) -> {
                byte[] env;
                try {
                    env = host.receive(a[0]);
                } catch (InterruptedException e) {
                    throw new GuestInterrupt();
                }
                return env == null ? code(ErrorCode.ETIMEOUT) : i32(result.set(env));
            };
            case "alias_add" -> (inst, a) -> {
                host.aliasAdd(str(inst, a[0], a[1]));
                return i32(0);
            };
            case "alias_remove" -> (inst, a) -> {
                host.aliasRemove(str(inst, a[0], a[1]));
                return i32(0);
            };
            case "lookup" -> (inst, a) -> {
                List<String> names = host.lookup((int) a[0], str(inst, a[1], a[2]));
                return i32(result.set(String.join("\n", names).getBytes(StandardCharsets.UTF_8)));
            };
            case "self_name" -> (inst, a) -> i32(result.set(host.selfName().getBytes(StandardCharsets.UTF_8)));
            case "spawn" -> (inst, a) -> i32(result.set(host.spawn(str(inst, a[0], a[1])).getBytes(StandardCharsets.UTF_8)));
            case "kv_get" -> (inst, a) -> {
                byte[] v = host.kvGet(bytes(inst, a[0], a[1]));
                return v == null ? code(ErrorCode.ENOTFOUND) : i32(result.set(v));
            };
            case "kv_put" -> (inst, a) -> {
                host.kvPut(bytes(inst, a[0], a[1]), bytes(inst, a[2], a[3]));
                return i32(0);
            };
            case "kv_delete" -> (inst, a) -> {
                host.kvDelete(bytes(inst, a[0], a[1]));
                return i32(0);
            };
            case "kv_scan" -> (inst, a) -> i32(result.set(host.kvScan(bytes(inst, a[0], a[1]), (int) a[2])));
            case "clock_wall" -> (inst, a) -> {
                var now = java.time.Instant.now();
                return new long[] {now.getEpochSecond() * 1_000_000_000L + now.getNano()};
            };
            case "clock_monotonic" -> (inst, a) -> new long[] {host.clockMonotonic()};
            case "random" -> (inst, a) -> {
                byte[] r = new byte[checkLen(a[1])];
                RANDOM.nextBytes(r);
                write(inst.memory(), (int) a[0], r);
                return i32(0);
            };
            case "log" -> (inst, a) -> {
                host.log((int) a[0], str(inst, a[1], a[2]));
                return i32(0);
            };
            case "exit" -> (inst, a) -> {
                host.exit((int) a[0]);
                throw new AtomExit((int) a[0]);
            };
            default -> throw new IllegalStateException("no handler for atoll." + name);
        };
    }

    static int checkLen(long len) {
        if (len < 0 || len > Integer.MAX_VALUE) {
            throw new BadPointer();
        }
        return (int) len;
    }

    static byte[] bytes(Instance inst, long ptr, long len) {
        int n = checkLen(len);
        Memory m = inst.memory();
        if (ptr < 0 || ptr + n > (long) m.pages() * Memory.PAGE_SIZE) {
            throw new BadPointer();
        }
        return n == 0 ? new byte[0] : m.readBytes((int) ptr, n);
    }

    static String str(Instance inst, long ptr, long len) {
        return new String(bytes(inst, ptr, len), StandardCharsets.UTF_8);
    }

    static void write(Memory m, int ptr, byte[] data) {
        if (ptr < 0 || (long) ptr + data.length > (long) m.pages() * Memory.PAGE_SIZE) {
            throw new BadPointer();
        }
        m.write(ptr, data);
    }

    /** A guest pointer or length outside its memory: returned to the guest as EINVAL. */
    static final class BadPointer extends RuntimeException {
        BadPointer() {
            super("pointer out of bounds", null, false, false);
        }
    }

    /** The atom's thread was interrupted (run-time limit or shutdown) inside a host call. */
    static final class GuestInterrupt extends RuntimeException {
        GuestInterrupt() {
            super("interrupted", null, false, false);
        }
    }

    /** Signature used by TeaVM's math shims: f64 functions of one or two arguments. */
    static FunctionType f64Fn(int arity) {
        return FunctionType.of(arity == 1 ? List.of(F64) : List.of(F64, F64), List.of(F64));
    }
}
