package io.atoll.engine;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Memory;
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
        StringBuilder line = new StringBuilder();
        return switch (name) {
            case "currentTimeMillis" -> (inst, a) -> f64(System.currentTimeMillis());
            // TeaVM expects milliseconds here despite the name (FACTS.md).
            case "nanoTime" -> (inst, a) -> f64(System.nanoTime() / 1_000_000.0);
            case "putwcharsOut", "putwcharsErr" -> (inst, a) -> {
                appendWchars(inst.memory(), (int) a[0], (int) a[1], line, host, name.endsWith("Err"));
                return zero(type);
            };
            case "logOutOfMemory" -> (inst, a) -> {
                host.log(4, "out of memory (TeaVM heap exhausted)");
                return zero(type);
            };
            case "logInt" -> (inst, a) -> {
                host.log(1, "teavm: " + a[0]);
                return zero(type);
            };
            default -> (inst, a) -> zero(type);
        };
    }

    /** TeaVM writes wide characters as 32-bit code points; we turn each line into one log entry. */
    private static void appendWchars(Memory m, int ptr, int count, StringBuilder line, AtomHost host, boolean err) {
        for (int i = 0; i < count; i++) {
            int cp = m.readInt(ptr + 4 * i);
            if (cp == '\n') {
                host.log(err ? 3 : 2, line.toString());
                line.setLength(0);
            } else if (Character.isValidCodePoint(cp)) {
                line.appendCodePoint(cp);
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
