package io.atoll.sdk;

import java.time.Duration;
import java.util.ArrayDeque;
import org.teavm.interop.Address;

/**
 * The Atoll guest API for Java atoms compiled to Wasm with TeaVM.
 *
 * <p>An atom is a class with a plain {@code public static void main(String[])} that registers the
 * atom and returns:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     Atoll.serve(msg -> msg.reply(msg.body()));          // handler style
 * }
 *
 * public static void main(String[] args) {
 *     Atoll.run(() -> {                                   // loop style
 *         while (true) {
 *             Message msg = Atoll.receive();
 *             msg.reply("got " + msg.bodyText());
 *         }
 *     });
 * }
 * }</pre>
 *
 * <p>Host errors become {@link AtollException} (unchecked), except where a natural value says it
 * better: {@link Kv#get} returns {@code null} for a missing key, {@link #receive(Duration)} returns
 * {@code null} on timeout, {@link Names#unalias} returns {@code false}.
 */
public final class Atoll {
    /** The ABI version this SDK implements (the {@code atoll_abi_version} export). */
    public static final int ABI_VERSION = 1;

    static Handler handler;
    static LoopAtom loop;
    static RecoveryHandler recovery;
    /** Messages received while {@link #request} waited for its reply; delivered first. */
    static final ArrayDeque<Message> pending = new ArrayDeque<>();
    private static long nextCorrelation;

    private Atoll() {
    }

    // ---------------------------------------------------------------- registration

    /**
     * Makes this a handler-style atom: {@code handler} is called once per message and HTTP request.
     * Call it from {@code main}, then return from {@code main}.
     */
    public static void serve(Handler handler) {
        if (handler == null) {
            throw new IllegalArgumentException("handler is null");
        }
        Exports.link();
        Atoll.handler = handler;
    }

    /**
     * Makes this a loop-style atom: {@code loop} runs once after start-up (typically a loop on
     * {@link #receive()}); when it returns the atom ends normally. Call it from {@code main}, then
     * return from {@code main}: the loop runs when the runtime calls {@code atoll_main}.
     */
    public static void run(LoopAtom loop) {
        if (loop == null) {
            throw new IllegalArgumentException("loop is null");
        }
        Exports.link();
        Atoll.loop = loop;
    }

    /** Registers what to do before a restart under the recovery policy {@code recover}. */
    public static void onRecover(RecoveryHandler recovery) {
        Exports.link();
        Atoll.recovery = recovery;
    }

    // ---------------------------------------------------------------- messages

    /**
     * Sends {@code data} to {@code to}: a full instance name ({@code app/def/instance}), a name
     * relative to this application ({@code def/instance}), a definition ({@code def}, routed by its
     * policy) or a {@code _reply/...} address. Never blocks.
     *
     * @return the number of atoms the message was delivered to (&gt;= 1)
     * @throws AtollException {@code ENOTFOUND}, {@code EFULL}, {@code ETOOBIG}, ...
     */
    public static int send(String to, byte[] data) {
        return send(to, data, SendOptions.defaults());
    }

    /** {@link #send(String, byte[])} with a UTF-8 string. */
    public static int send(String to, String text) {
        return send(to, Codec.utf8(text), SendOptions.defaults());
    }

    /** {@link #send(String, byte[])} with flags (FIFO, alias, pattern) and a correlation id. */
    public static int send(String to, byte[] data, SendOptions options) {
        return send(Codec.utf8(to), data, options.flags(), options.correlationId());
    }

    /** The send itself, with the destination already in UTF-8 (replies reuse the envelope's bytes). */
    static int send(byte[] to, byte[] data, int flags, long correlation) {
        byte[] d = data == null ? Codec.EMPTY : data;
        // No allocation between taking the addresses and the call: the GC cannot move to or d.
        int r = Host.send(Address.ofData(to).toInt(), to.length, Address.ofData(d).toInt(), d.length, flags, correlation);
        if (r < 0) {
            throw new AtollException("send to " + Codec.string(to), r);
        }
        return r;
    }

    /** {@link #send(String, byte[], SendOptions)} with a UTF-8 string. */
    public static int send(String to, String text, SendOptions options) {
        return send(to, Codec.utf8(text), options);
    }

    /**
     * Sends to every instance holding {@code alias} (one-to-many).
     *
     * @return how many instances got it
     * @throws AtollException {@code ENOTFOUND} if no instance holds the alias
     */
    public static int publish(String alias, byte[] data) {
        return send(alias, data, SendOptions.defaults().alias());
    }

    /** {@link #publish(String, byte[])} with a UTF-8 string. */
    public static int publish(String alias, String text) {
        return publish(alias, Codec.utf8(text));
    }

    /** Waits for the next message, forever. */
    public static Message receive() {
        return receive(-1L);
    }

    /**
     * Waits for the next message at most {@code timeout} ({@code null} = forever).
     *
     * @return the message, or {@code null} if the timeout passed
     */
    public static Message receive(Duration timeout) {
        return receive(timeout == null ? -1L : Math.max(0L, timeout.toMillis()));
    }

    /**
     * Waits for the next message at most {@code timeoutMs} milliseconds ({@code -1} = forever,
     * {@code 0} = don't wait).
     *
     * @return the message, or {@code null} if the timeout passed
     */
    public static Message receive(long timeoutMs) {
        if (!pending.isEmpty()) {
            return pending.poll();
        }
        return receiveFromHost(timeoutMs);
    }

    /** The next message if one is waiting, else {@code null}; never blocks. */
    public static Message poll() {
        return receive(0L);
    }

    static Message receiveFromHost(long timeoutMs) {
        int n = Host.receive(timeoutMs);
        if (n == AtollError.ETIMEOUT.code()) {
            return null;
        }
        AtollException.check(n, "receive");
        byte[] envelope = takeResult(n);
        return Message.decode(envelope, 0, envelope.length);
    }

    /**
     * Request/reply: sends {@code data} to {@code to} with a fresh correlation id and waits for the
     * answer carrying that id (the other side answers with {@link Message#reply}). Messages that
     * arrive meanwhile are kept and delivered afterwards, in order (by {@link #receive} or, for a
     * handler atom, to the handler once the current call returns).
     *
     * @return the reply, or {@code null} if none came within {@code timeout}
     */
    public static Message request(String to, byte[] data, Duration timeout) {
        long correlation = newCorrelation();
        send(to, data, SendOptions.defaults().correlation(correlation));
        long deadline = timeout == null ? Long.MAX_VALUE : monotonicNanos() + timeout.toNanos();
        while (true) {
            long waitMs;
            if (timeout == null) {
                waitMs = -1L;
            } else {
                waitMs = Math.max(0L, (deadline - monotonicNanos() + 999_999L) / 1_000_000L);
            }
            Message m = receiveFromHost(waitMs);
            if (m == null) {
                return null;
            }
            if (m.correlation() == correlation && !m.isHttp()) {
                return m;
            }
            pending.add(m);
        }
    }

    /** {@link #request(String, byte[], Duration)} with a UTF-8 string. */
    public static Message request(String to, String text, Duration timeout) {
        return request(to, Codec.utf8(text), timeout);
    }

    private static long newCorrelation() {
        if (nextCorrelation == 0) {
            byte[] b = new byte[8];
            random(b);
            nextCorrelation = (Codec.u64(b, 0) & 0x3FFFFFFFFFFFFFFFL) | 1L;
        }
        return nextCorrelation++;
    }

    // ---------------------------------------------------------------- storage and names

    /** The application's durable key-value store. */
    public static Kv kv() {
        return Kv.INSTANCE;
    }

    /** Aliases and look-ups. */
    public static Names names() {
        return Names.INSTANCE;
    }

    /** This instance's full name, e.g. {@code shop/cart/0}. */
    public static String self() {
        int n = AtollException.check(Host.selfName(), "self_name");
        return Codec.string(takeResult(n));
    }

    /**
     * Creates a new instance of the reactive definition {@code definition} of this application.
     *
     * @return the new instance's full name
     */
    public static String spawn(String definition) {
        byte[] d = Codec.utf8(definition);
        int n = AtollException.check(Host.spawn(Address.ofData(d).toInt(), d.length), "spawn", definition);
        return Codec.string(takeResult(n));
    }

    // ---------------------------------------------------------------- clocks, random, log, exit

    /** Nanoseconds since the Unix epoch. */
    public static long wallClockNanos() {
        return Host.clockWall();
    }

    /** Milliseconds since the Unix epoch. */
    public static long currentTimeMillis() {
        return Host.clockWall() / 1_000_000L;
    }

    /** Nanoseconds from an arbitrary origin; never goes backwards. */
    public static long monotonicNanos() {
        return Host.clockMonotonic();
    }

    /** Fills {@code bytes} from the host's secure random source. */
    public static void random(byte[] bytes) {
        if (bytes.length > 0) {
            AtollException.check(Host.random(Address.ofData(bytes).toInt(), bytes.length), "random");
        }
    }

    /** A secure random {@code long}. */
    public static long randomLong() {
        byte[] b = new byte[8];
        random(b);
        return Codec.u64(b, 0);
    }

    /** Writes a line to this atom's log. */
    public static void log(LogLevel level, String text) {
        byte[] t = Codec.utf8(text);
        Host.log(level.code(), Address.ofData(t).toInt(), t.length);
    }

    public static void trace(String text) {
        log(LogLevel.TRACE, text);
    }

    public static void debug(String text) {
        log(LogLevel.DEBUG, text);
    }

    public static void info(String text) {
        log(LogLevel.INFO, text);
    }

    public static void warn(String text) {
        log(LogLevel.WARN, text);
    }

    public static void error(String text) {
        log(LogLevel.ERROR, text);
    }

    /** Logs {@code text} and the throwable (with its causes) at error level. */
    public static void error(String text, Throwable t) {
        StringBuilder sb = new StringBuilder(text).append(": ").append(t);
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("; caused by ").append(c);
        }
        log(LogLevel.ERROR, sb.toString());
    }

    /**
     * Ends the atom now: {@code 0} is a normal end, anything else a fault (the recovery policy
     * applies). Does not return.
     */
    public static void exit(int code) {
        Host.exit(code);
        throw new IllegalStateException("exit returned");
    }

    // ---------------------------------------------------------------- internals

    /** Copies the host's result buffer ({@code n} bytes, as announced by the previous call). */
    static byte[] takeResult(int n) {
        byte[] buf = new byte[n];
        if (n > 0) {
            int full = Host.take(Address.ofData(buf).toInt(), n);
            if (full != n) {
                throw new IllegalStateException("result buffer holds " + full + " bytes, expected " + n);
            }
        }
        return buf;
    }
}
