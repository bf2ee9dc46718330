package io.atoll.sdk;

import org.teavm.interop.Address;
import org.teavm.interop.Export;

/**
 * The ABI exports (docs/abi.md §1). TeaVM emits a class's {@code @Export} methods once the class is
 * reached, which {@link Atoll#serve}, {@link Atoll#run} and {@link Atoll#onRecover} ensure.
 *
 * <p>No exception may escape an export (it would trap): each catches {@link Throwable}, logs it and
 * returns a negative code, which the runtime counts as a fault of the atom.
 */
final class Exports {
    /** {@code atoll_main}'s answer for "no loop, keep me alive for handler calls". */
    static final int SERVE = 1;
    /** Buffers above this size are dropped after use instead of being kept for the next event. */
    private static final int KEEP_LIMIT = 64 * 1024;

    /**
     * The buffer handed out by {@code atoll_alloc}. It is read through this field, never through the
     * address: the GC may move it as soon as the guest allocates.
     */
    private static byte[] inbox;

    private Exports() {
    }

    /** Called by the registration methods so that TeaVM reaches this class and emits its exports. */
    static void link() {
    }

    @Export(name = "atoll_abi_version")
    public static int abiVersion() {
        return Atoll.ABI_VERSION;
    }

    @Export(name = "atoll_alloc")
    public static int alloc(int len) {
        try {
            if (len < 0) {
                return 0;
            }
            if (inbox == null || inbox.length < len) {
                inbox = new byte[Math.max(len, 256)];
            }
            return Address.ofData(inbox).toInt();
        } catch (Throwable t) {
            return 0;
        }
    }

    @Export(name = "atoll_main")
    public static int main() {
        try {
            if (Atoll.loop != null) {
                Atoll.loop.run();
                return 0;
            }
            if (Atoll.handler != null) {
                return SERVE;
            }
            Atoll.warn("main() registered no atom (call Atoll.serve or Atoll.run): ending");
            return 0;
        } catch (Throwable t) {
            return fault("the loop", t);
        }
    }

    @Export(name = "atoll_on_message")
    public static int onMessage(int ptr, int len) {
        try {
            byte[] event = event(ptr, len);
            if (event == null) {
                Atoll.error("atoll_on_message: (" + ptr + ", " + len + ") is not the buffer atoll_alloc handed out");
                return AtollError.EINVAL.code();
            }
            Message message;
            try {
                message = Message.decode(event, 0, len);
            } catch (IllegalArgumentException e) {
                Atoll.error("atoll_on_message: " + e.getMessage());
                return AtollError.EINVAL.code();
            }
            if (Atoll.handler == null) {
                Atoll.error("a message arrived but no handler is registered (call Atoll.serve in main)");
                return AtollError.EINVAL.code();
            }
            Atoll.handler.onMessage(message);
            // Messages received while the handler waited in Atoll.request are handled now, in order.
            while (!Atoll.pending.isEmpty()) {
                Atoll.handler.onMessage(Atoll.pending.poll());
            }
            return 0;
        } catch (Throwable t) {
            return fault("the message handler", t);
        }
    }

    @Export(name = "atoll_recover")
    public static int recover(int ptr, int len) {
        try {
            byte[] event = event(ptr, len);
            String fault = event == null ? "(unreadable fault description)" : Codec.string(event, 0, len);
            if (Atoll.recovery != null) {
                Atoll.recovery.onRecover(fault);
            }
            return 0;
        } catch (Throwable t) {
            return fault("the recovery handler", t);
        }
    }

    /**
     * The bytes the host wrote at {@code ptr}, which must be the inbox handed out by
     * {@code atoll_alloc}. Must be called before the export allocates anything.
     */
    private static byte[] event(int ptr, int len) {
        byte[] buf = inbox;
        if (len == 0) {
            return buf == null ? Codec.EMPTY : buf;
        }
        if (buf == null || len < 0 || len > buf.length || Address.ofData(buf).toInt() != ptr) {
            return null;
        }
        if (buf.length > KEEP_LIMIT) {
            inbox = null;
        }
        return buf;
    }

    private static int fault(String where, Throwable t) {
        try {
            Atoll.error("uncaught exception in " + where, t);
        } catch (Throwable ignored) {
            // logging itself failed (out of memory?): the code below still reports the fault
        }
        return t instanceof AtollException && ((AtollException) t).code() < 0
                ? ((AtollException) t).code()
                : AtollError.EINTERNAL.code();
    }
}
