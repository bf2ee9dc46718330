package io.atoll.abi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A message as an atom sees it (docs/abi.md §3). Immutable; the payload array is never copied
 * inside the runtime, so nobody may write to it after construction.
 */
public record Envelope(int kind, int flags, long correlation, String sender, String replyTo, byte[] payload) {
    public static final int HEADER_BYTES = 28;

    public boolean isHttpRequest() {
        return kind == Abi.KIND_HTTP_REQUEST;
    }

    public boolean fifo() {
        return (flags & Abi.FLAG_FIFO) != 0;
    }

    public byte[] encode() {
        byte[] s = sender.getBytes(StandardCharsets.UTF_8);
        byte[] r = replyTo.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + s.length + r.length + payload.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(kind).putInt(flags).putLong(correlation);
        b.putInt(s.length).putInt(r.length).putInt(payload.length);
        b.put(s).put(r).put(payload);
        return b.array();
    }

    public static Envelope decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int kind = b.getInt();
            int flags = b.getInt();
            long correlation = b.getLong();
            int sl = b.getInt();
            int rl = b.getInt();
            int pl = b.getInt();
            String sender = Codec.string(b, sl);
            String replyTo = Codec.string(b, rl);
            byte[] payload = Codec.bytes(b, pl);
            return new Envelope(kind, flags, correlation, sender, replyTo, payload);
        } catch (RuntimeException e) {
            throw new AtollException("malformed envelope: " + e.getMessage(), null, e);
        }
    }
}
