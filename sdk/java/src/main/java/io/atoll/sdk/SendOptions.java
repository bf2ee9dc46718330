package io.atoll.sdk;

/**
 * How to send a message (docs/abi.md §2, "send flags"). Immutable: every method returns a new
 * value, so constants can be shared.
 *
 * <pre>{@code
 * Atoll.send("news", data, SendOptions.defaults().alias());        // every holder of alias "news"
 * Atoll.send("shop/cart/0", data, SendOptions.defaults().fifo());  // ordered after earlier FIFO sends
 * Atoll.send("shop/cart/.*", data, SendOptions.defaults().pattern());
 * }</pre>
 */
public final class SendOptions {
    /** Deliver in order relative to the other FIFO messages from this sender to this receiver. */
    public static final int FIFO = 0x1;
    /** {@code to} is an alias: deliver to every instance holding it. */
    public static final int ALIAS = 0x2;
    /** {@code to} is a regular expression: deliver to every instance whose full name matches. */
    public static final int PATTERN = 0x4;
    /** The payload is an encoded HTTP response (only when answering an HTTP request). */
    public static final int HTTP_RESPONSE = 0x8;

    private static final SendOptions DEFAULTS = new SendOptions(0, 0);

    private final int flags;
    private final long correlation;

    private SendOptions(int flags, long correlation) {
        this.flags = flags;
        this.correlation = correlation;
    }

    /** No flags, correlation 0. */
    public static SendOptions defaults() {
        return DEFAULTS;
    }

    /** Raw flags and correlation id. */
    public static SendOptions of(int flags, long correlation) {
        return new SendOptions(flags, correlation);
    }

    public SendOptions fifo() {
        return new SendOptions(flags | FIFO, correlation);
    }

    public SendOptions alias() {
        return new SendOptions(flags | ALIAS, correlation);
    }

    public SendOptions pattern() {
        return new SendOptions(flags | PATTERN, correlation);
    }

    public SendOptions httpResponse() {
        return new SendOptions(flags | HTTP_RESPONSE, correlation);
    }

    /** The correlation id carried with the message (request/reply matching). */
    public SendOptions correlation(long id) {
        return new SendOptions(flags, id);
    }

    public int flags() {
        return flags;
    }

    public long correlationId() {
        return correlation;
    }
}
