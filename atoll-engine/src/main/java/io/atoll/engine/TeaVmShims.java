package io.atoll.engine;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * The small host functions a TeaVM-built (Java SDK) module imports besides {@code atoll}:
 * modules {@code teavm} (console output, clocks) and {@code teavmMath}. Bound from the
 * signatures the module itself declares, so a TeaVM version that changes an arity still links.
 */
final class TeaVmShims {
    static final String MODULE = "teavm";
    static final String MATH_MODULE = "teavmMath";

    private TeaVmShims() {}

    static boolean provides(String module, String name) {
        if (MATH_MODULE.equals(module)) {
            return unary(name) != null || binary(name) != null || "random".equals(name);
        }
        return MODULE.equals(module);
    }

    static List<HostFunction> bind(List<ModuleImport> imports, AtomHost host) {
        List<HostFunction> out = new ArrayList<>();
        for (ModuleImport i : imports) {
            if (MODULE.equals(i.module())) {
                out.add(new HostFunction(i.module(), i.name(), i.type(), teavm(i.name(), i.type(), host)));
            } else if (MATH_MODULE.equals(i.module())) {
                out.add(new HostFunction(i.module(), i.name(), i.type(), math(i.name())));
            }
        }
        return out;
    }

    private static WasmFunctionHandle teavm(String name, FunctionType type, AtomHost host) {
        LineBuffer out = new LineBuffer(host, 2);
        LineBuffer err = new LineBuffer(host, 3);
        return switch (name) {
            case "currentTimeMillis" -> (inst, a) -> f64(System.currentTimeMillis());
            // TeaVM expects milliseconds here despite the name (FACTS.md).
            case "nanoTime" -> (inst, a) -> f64(host.clockMonotonic() / 1_000_000.0);
            // System.out / System.err, as UTF-8 bytes
            case "putwcharsOut" -> (inst, a) -> {
                out.append(AtollImports.str(inst, a[0], a[1]));
                return zero(type);
            };
            case "putwcharsErr" -> (inst, a) -> {
                err.append(AtollImports.str(inst, a[0], a[1]));
                return zero(type);
            };
            // TeaVM's own diagnostics (a stack trace before a trap): a Java String, then numbers
            case "logString" -> (inst, a) -> {
                err.append(javaString(inst, (int) a[0]));
                return zero(type);
            };
            case "logInt" -> (inst, a) -> {
                err.append(Integer.toString((int) a[0]));
                return zero(type);
            };
            case "logOutOfMemory" -> (inst, a) -> {
                host.log(4, "out of memory (TeaVM heap exhausted)");
                return zero(type);
            };
            default -> (inst, a) -> zero(type); // teavm_interrupt, dateToString, getNativeOffset
        };
    }

    /** Reads a guest Java String through the helpers TeaVM exports; "?" if they are missing. */
    private static String javaString(com.dylibso.chicory.runtime.Instance inst, int string) {
        try {
            int chars = (int) inst.export("teavm_stringData").apply(string)[0];
            int len = (int) inst.export("teavm_arrayLength").apply(chars)[0];
            int data = (int) inst.export("teavm_charArrayData").apply(chars)[0];
            StringBuilder sb = new StringBuilder(len);
            for (int i = 0; i < len; i++) {
                sb.append((char) inst.memory().readShort(data + 2 * i));
            }
            return sb.toString();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    /** Turns text written in pieces into one atom log entry per line. */
    private static final class LineBuffer {
        private final AtomHost host;
        private final int level;
        private final StringBuilder line = new StringBuilder();

        LineBuffer(AtomHost host, int level) {
            this.host = host;
            this.level = level;
        }

        void append(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n' || line.length() >= 8192) {
                    host.log(level, line.toString());
                    line.setLength(0);
                }
                if (c != '\n') {
                    line.append(c);
                }
            }
        }
    }

    private static WasmFunctionHandle math(String name) {
        DoubleUnaryOperator u = unary(name);
        if (u != null) {
            return (inst, a) -> f64(u.applyAsDouble(Double.longBitsToDouble(a[0])));
        }
        DoubleBinaryOperator b = binary(name);
        if (b != null) {
            return (inst, a) -> f64(b.applyAsDouble(Double.longBitsToDouble(a[0]), Double.longBitsToDouble(a[1])));
        }
        return (inst, a) -> f64(Math.random());
    }

    private static DoubleUnaryOperator unary(String name) {
        return switch (name) {
            case "sin" -> Math::sin;
            case "cos" -> Math::cos;
            case "tan" -> Math::tan;
            case "asin" -> Math::asin;
            case "acos" -> Math::acos;
            case "atan" -> Math::atan;
            case "exp" -> Math::exp;
            case "log" -> Math::log;
            case "sqrt" -> Math::sqrt;
            case "ceil" -> Math::ceil;
            case "floor" -> Math::floor;
            case "cbrt" -> Math::cbrt;
            case "log10" -> Math::log10;
            case "log1p" -> Math::log1p;
            case "expm1" -> Math::expm1;
            case "sinh" -> Math::sinh;
            case "cosh" -> Math::cosh;
            case "tanh" -> Math::tanh;
            case "rint", "round" -> Math::rint;
            default -> null;
        };
    }

    private static DoubleBinaryOperator binary(String name) {
        return switch (name) {
            case "pow" -> Math::pow;
            case "atan2" -> Math::atan2;
            case "hypot" -> Math::hypot;
            default -> null;
        };
    }

    private static long[] f64(double d) {
        return new long[] {Double.doubleToRawLongBits(d)};
    }

    private static long[] zero(FunctionType type) {
        if (type.returns().isEmpty()) {
            return null;
        }
        ValType t = type.returns().get(0);
        return new long[] {t.equals(ValType.F64) ? Double.doubleToRawLongBits(0) : 0L};
    }

}
