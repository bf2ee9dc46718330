package io.atoll.examples.recovery;

import io.atoll.sdk.Atoll;
import io.atoll.sdk.HttpResponse;
import io.atoll.sdk.Message;
import org.teavm.interop.Address;

/**
 * Handler style; one module for the four recovery policies (the manifest's definition name says
 * which: none, restart, recover, escalate). The body of a message or an HTTP POST says what to do:
 *
 * <ul>
 *   <li>{@code fault}: throws an exception out of the handler: the call ends with a fault</li>
 *   <li>{@code exit}: {@code Atoll.exit(3)}: the atom ends with exit code 3, a fault</li>
 *   <li>{@code trap}: a real Wasm trap (memory access out of bounds)</li>
 *   <li>{@code status}: the recoveries recorded in storage by {@code atoll_recover}</li>
 *   <li>anything else: {@code ok <name> <count>}, count = messages handled since this instance started</li>
 * </ul>
 */
public final class FaultyAtom {
    static final String RECOVERIES = "recoveries";
    static final String LAST_FAULT = "last-fault";

    private static long handled;
    private static String name;

    private FaultyAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(FaultyAtom::handle);
        // Only called under "recovery: recover", before the restart: repair state, record it.
        Atoll.onRecover(fault -> {
            long n = Atoll.kv().getLong(RECOVERIES, 0) + 1;
            Atoll.kv().putLong(RECOVERIES, n);
            Atoll.kv().put(LAST_FAULT, fault);
            Atoll.warn("recovering (" + n + "): " + fault);
        });
    }

    static void handle(Message msg) {
        String command = msg.bodyText().trim();
        switch (command) {
            case "fault" -> throw new IllegalStateException("fault requested by " + msg.sender());
            case "exit" -> exitWithThree();
            case "trap" -> Address.fromInt(-16).putLong(0);   // beyond linear memory: the engine traps
            case "status" -> {
                String last = Atoll.kv().getString(LAST_FAULT);
                answer(msg, "recoveries " + Atoll.kv().getLong(RECOVERIES, 0)
                        + (last == null ? "" : ", last fault: " + last));
            }
            default -> {
                handled++;
                answer(msg, "ok " + name() + " " + handled);
            }
        }
    }

    /** Text answer; HTTP clients (curl) also get a final newline. */
    private static void answer(Message msg, String text) {
        if (msg.isHttp()) {
            msg.reply(HttpResponse.text(200, text + "\n"));
        } else {
            msg.reply(text);
        }
    }

    private static void exitWithThree() {
        Atoll.exit(3);
    }

    /** The definition part of {@code app/definition/instance}. */
    private static String name() {
        if (name == null) {
            String self = Atoll.self();
            int a = self.indexOf('/');
            int b = self.indexOf('/', a + 1);
            name = a < 0 ? self : b < 0 ? self.substring(a + 1) : self.substring(a + 1, b);
        }
        return name;
    }
}
