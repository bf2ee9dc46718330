package io.atoll.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time goes, from a JFR recording's {@code jdk.ExecutionSample} events (Java code on
 * CPU; time in the kernel, e.g. socket writes, is not sampled): samples per thread group, per
 * top-frame package, the top self frames, and the top inclusive frames of Atoll, Chicory and the
 * compiled guest code.
 *
 * <p>Usage: {@code JfrTop [--top N] [--wasm MODULE.wasm] [--event NAME] FILE.jfr} (N: lines per
 * table, default 25; NAME: the sample event, default {@code jdk.ExecutionSample}; JDK 25's
 * {@code jdk.CPUTimeSample}, if the recording enabled it, samples by thread CPU time, so time in
 * the kernel counts too, attributed to the Java frames that entered it). Compiled guest functions
 * appear as Chicory's generated {@code func_<index>} methods; with {@code --wasm} (default: the
 * Java echo atom bench/echo serves) they get that module's function names (its exports, or every
 * function if it has a name section: TeaVM {@code --debug}), which is only right if that module was
 * the one running.
 */
public final class JfrTop {
    private JfrTop() {
    }

    public static void main(String[] args) throws Exception {
        int top = 25;
        Path file = null;
        String event = "jdk.ExecutionSample";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--top" -> top = Integer.parseInt(args[++i]);
                case "--event" -> event = args[++i];
                case "--wasm" -> guestNames = guestNames(java.nio.file.Files.readAllBytes(Path.of(args[++i])));
                default -> file = Path.of(args[i]);
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("usage: JfrTop [--top N] [--wasm MODULE.wasm] [--event NAME] FILE.jfr");
        }
        if (guestNames.isEmpty()) { // the module bench/echo served (honours -Datoll.bench.echo-wasm)
            guestNames = guestNames(AtollEchoNode.Modules.bytes(AtollEchoNode.Modules.JAVA_ECHO));
        }
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals(event)) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            total++;
            List<RecordedFrame> frames = st.getFrames();
            String leaf = name(frames.get(0));
            self.merge(leaf, 1, Integer::sum);
            packages.merge(group(frames.get(0)), 1, Integer::sum);
            RecordedThread t = e.hasField("sampledThread") ? e.getThread("sampledThread") : e.getThread("eventThread");
            threads.merge(threadGroup(t, frames), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String n = name(f);
                if (interesting(f) && seen.add(n)) {
                    inclusive.merge(n, 1, Integer::sum);
                }
            }
        }
        System.out.println(event + ": " + total + " samples in " + file);
        print("by thread", threads, total, top);
        print("by package of the top frame", packages, total, top);
        print("top frames (self)", self, total, top);
        print("Atoll / Chicory / guest / Vert.x frames (inclusive: on the stack)", inclusive, total, top);
    }

    private static void print(String title, Map<String, Integer> counts, int total, int top) {
        System.out.println();
        System.out.println("-- " + title);
        counts.entrySet().stream()
                .sorted((a, b) -> b.getValue() - a.getValue())
                .limit(top)
                .forEach(en -> System.out.printf(Locale.ROOT, "%6.1f%%  %6d  %s%n",
                        100.0 * en.getValue() / Math.max(1, total), en.getValue(), en.getKey()));
    }

    private static Map<Integer, String> guestNames = Map.of();

    private static Map<Integer, String> guestNames(byte[] wasm) {
        var module = com.dylibso.chicory.wasm.Parser.parse(wasm);
        Map<Integer, String> names = new HashMap<>();
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            var e = exports.getExport(i);
            if (e.exportType() == com.dylibso.chicory.wasm.types.ExternalType.FUNCTION) {
                names.put(e.index(), e.name());
            }
        }
        var ns = module.nameSection();
        if (ns != null) {
            int imports = module.importSection().count(com.dylibso.chicory.wasm.types.ExternalType.FUNCTION);
            int count = imports + module.functionSection().functionCount();
            for (int i = 0; i < count; i++) {
                String n = ns.nameOfFunction(i);
                if (n != null) {
                    names.put(i, n);
                }
            }
        }
        return names;
    }

    private static String name(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null) {
            return "?";
        }
        String method = m.getName();
        if (method.startsWith("func_") && m.getType().getName().contains("$gen")) {
            try {
                String guest = guestNames.get(Integer.parseInt(method.substring(5)));
                if (guest != null) {
                    return "wasm " + method + " " + guest;
                }
            } catch (NumberFormatException e) {
                // not a guest function
            }
        }
        return m.getType().getName() + "." + method;
    }

    private static boolean interesting(RecordedFrame f) {
        String n = name(f);
        return n.startsWith("io.atoll.") || n.startsWith("com.dylibso.chicory.") || n.startsWith("io.vertx.") || n.startsWith("wasm ")
                || n.startsWith("io.nats.")
                || !n.contains(".") || n.startsWith("java.util.concurrent.") || n.contains("VirtualThread")
                || n.contains("ForkJoin");
    }

    private static String group(RecordedFrame f) {
        String n = name(f);
        String[] p = n.split("\\.");
        if (n.startsWith("wasm ")) {
            return "com.dylibso.chicory.$gen";
        }
        if (n.startsWith("com.dylibso.chicory.")) {
            return "com.dylibso.chicory." + p[3];
        }
        if (p.length <= 2) {
            return n; // generated classes without a package (compiled guest code)
        }
        int depth = n.startsWith("io.") || n.startsWith("jdk.") || n.startsWith("sun.") || n.startsWith("java.") ? 3 : 2;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(depth, p.length - 2); i++) {
            sb.append(i == 0 ? "" : ".").append(p[i]);
        }
        return sb.toString();
    }

    private static String threadGroup(RecordedThread t, List<RecordedFrame> frames) {
        String name = t == null ? "?" : t.getJavaName();
        if (name == null || name.isEmpty()) {
            name = t != null && t.isVirtual() ? "(virtual)" : "?";
        }
        if (name.startsWith("atom ")) {
            return "atom threads (virtual)";
        }
        return name.replaceAll("-\\d+$", "-N").replaceAll("#\\d+", "#N");
    }
}
