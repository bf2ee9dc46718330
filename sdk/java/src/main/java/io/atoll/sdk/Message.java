package io.atoll.sdk;

/**
 * A received message: what {@link Atoll#receive} returns and what a {@link Handler} is given
 * (the envelope of docs/abi.md §3). HTTP requests arrive as messages of kind
 * {@link Kind#HTTP_REQUEST}; {@link #http()} decodes them.
 */
public final class Message {
    /** The envelope's kind field. */
    public enum Kind {
        /** {@code 0}: a message from an atom or the management API. */
        MESSAGE,
        /** {@code 1}: an HTTP request from the ingress; the payload is an encoded request. */
        HTTP_REQUEST,
        /** A kind this SDK does not know. */
        OTHER
    }

    private static final int HEADER = 28;

    private final int kind;
    private final int flags;
    private final long correlation;
    // Names stay UTF-8 bytes until asked for: most handlers only reply (bench/README.md: eager
    // decoding was 16 % of an echo's CPU).
    private final byte[] senderBytes;
    private final byte[] replyToBytes;
    private String sender;
    private String replyTo;
    private final byte[] payload;
    private HttpRequest http;

    Message(int kind, int flags, long correlation, String sender, String replyTo, byte[] payload) {
        this(kind, flags, correlation, Codec.utf8(sender), Codec.utf8(replyTo), payload);
        this.sender = sender;
        this.replyTo = replyTo;
    }

    private Message(int kind, int flags, long correlation, byte[] sender, byte[] replyTo, byte[] payload) {
        this.kind = kind;
        this.flags = flags;
        this.correlation = correlation;
        this.senderBytes = sender;
        this.replyToBytes = replyTo;
        this.payload = payload;
    }

    /** Decodes an envelope of {@code len} bytes at {@code off}. */
    static Message decode(byte[] b, int off, int len) {
        if (len < HEADER) {
            throw new IllegalArgumentException("malformed envelope: " + len + " bytes, the header alone is 28");
        }
        int kind = Codec.u32(b, off);
        int flags = Codec.u32(b, off + 4);
        long correlation = Codec.u64(b, off + 8);
        long s = Codec.u32(b, off + 16) & 0xFFFFFFFFL;
        long r = Codec.u32(b, off + 20) & 0xFFFFFFFFL;
        long p = Codec.u32(b, off + 24) & 0xFFFFFFFFL;
        if (HEADER + s + r + p > len) {
            throw new IllegalArgumentException("malformed envelope: lengths " + s + "+" + r + "+" + p
                    + " exceed the " + len + " bytes given");
        }
        int pos = off + HEADER;
        byte[] sender = java.util.Arrays.copyOfRange(b, pos, pos + (int) s);
        pos += (int) s;
        byte[] replyTo = java.util.Arrays.copyOfRange(b, pos, pos + (int) r);
        pos += (int) r;
        byte[] payload = new byte[(int) p];
        System.arraycopy(b, pos, payload, 0, (int) p);
        return new Message(kind, flags, correlation, sender, replyTo, payload);
    }

    /** Encodes this message as an envelope (for tests and tools). */
    byte[] encode() {
        byte[] s = senderBytes;
        byte[] r = replyToBytes;
        return new Codec.Writer(HEADER + s.length + r.length + payload.length)
                .u32(kind).u32(flags).u64(correlation).u32(s.length).u32(r.length).u32(payload.length)
                .raw(s).raw(r).raw(payload).toByteArray();
    }

    public Kind kind() {
        switch (kind) {
            case 0: return Kind.MESSAGE;
            case 1: return Kind.HTTP_REQUEST;
            default: return Kind.OTHER;
        }
    }

    /** The kind as the raw number from the envelope. */
    public int kindCode() {
        return kind;
    }

    /** The flags the sender used ({@link SendOptions#FIFO}, ...). */
    public int flags() {
        return flags;
    }

    /** The correlation id the sender gave (0 if none). {@link #reply} sends it back. */
    public long correlation() {
        return correlation;
    }

    /** Full name of the sending atom, or {@code _ingress} / {@code _api}. */
    public String sender() {
        if (sender == null) {
            sender = Codec.string(senderBytes);
        }
        return sender;
    }

    /** Where an answer goes: the sender, or a {@code _reply/...} address for HTTP and API requests. */
    public String replyTo() {
        if (replyTo == null) {
            replyTo = Codec.string(replyToBytes);
        }
        return replyTo;
    }

    /** The payload bytes (for an HTTP request: the encoded request; see {@link #http()}). */
    public byte[] payload() {
        return payload;
    }

    /** The payload decoded as UTF-8. For an HTTP request, prefer {@code http().bodyText()}. */
    public String text() {
        return Codec.string(payload);
    }

    public boolean isHttp() {
        return kind == 1;
    }

    /**
     * The decoded HTTP request.
     *
     * @throws IllegalStateException if this is not an HTTP request
     */
    public HttpRequest http() {
        if (!isHttp()) {
            throw new IllegalStateException("not an HTTP request (kind " + kind + ") from " + sender());
        }
        if (http == null) {
            http = HttpRequest.decode(payload);
        }
        return http;
    }

    /**
     * The body: the HTTP request body for an HTTP request, the payload otherwise. Lets one handler
     * treat "POST /x with body B" and "message B" alike.
     */
    public byte[] body() {
        if (!isHttp()) {
            return payload;
        }
        return http != null ? http.body() : HttpRequest.bodyOf(payload); // no need to decode the rest
    }

    /** {@link #body()} decoded as UTF-8. */
    public String bodyText() {
        return Codec.string(body());
    }

    /**
     * Answers this message: sends {@code data} to {@link #replyTo()} with the same correlation id.
     * For an HTTP request it becomes a {@code 200} response with that body.
     *
     * @return the number of atoms it was delivered to
     * @throws AtollException for example {@code ENOTFOUND} if the request was already answered
     */
    public int reply(byte[] data) {
        return answer(data, 0);
    }

    /** {@link #reply(byte[])} with a UTF-8 string. */
    public int reply(String text) {
        return reply(Codec.utf8(text));
    }

    /**
     * Answers an HTTP request with a full response (status, headers, body). For a plain message only
     * the response body is sent.
     */
    public int reply(HttpResponse response) {
        if (!isHttp()) {
            return reply(response.body());
        }
        return answer(response.encode(), SendOptions.HTTP_RESPONSE);
    }

    /**
     * A reply address ({@code _reply/...}) whose requester stopped waiting (an HTTP client that
     * gave up) answers ENOTFOUND: not this atom's error, so it is not thrown (returns 0).
     */
    private int answer(byte[] data, int flags) {
        try {
            return Atoll.send(replyToBytes, data, flags, correlation);
        } catch (AtollException e) {
            if (e.code() == AtollError.ENOTFOUND.code() && replyTo().startsWith("_reply/")) {
                return 0;
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Message{kind=" + kind() + ", from=" + sender() + ", replyTo=" + replyTo() + ", correlation="
                + correlation + ", " + payload.length + " bytes}";
    }
}
