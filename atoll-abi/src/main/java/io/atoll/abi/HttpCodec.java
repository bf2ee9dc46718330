package io.atoll.abi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The HTTP request and response payloads of docs/abi.md §5. */
public final class HttpCodec {
    private HttpCodec() {}

    public record Request(String method, String path, List<Map.Entry<String, String>> headers, byte[] body) {}

    public record Response(int status, List<Map.Entry<String, String>> headers, byte[] body) {}

    public static byte[] encodeRequest(Request r) {
        byte[] method = Codec.utf8(r.method());
        byte[] path = Codec.utf8(r.path());
        byte[][] headers = utf8(r.headers());
        ByteBuffer b = ByteBuffer.allocate(8 + method.length + path.length + size(headers) + 4 + r.body().length)
                .order(ByteOrder.LITTLE_ENDIAN);
        Codec.put(b, method);
        Codec.put(b, path);
        putHeaders(b, headers);
        Codec.put(b, r.body());
        return b.array();
    }

    public static Request decodeRequest(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            return new Request(Codec.string(b), Codec.string(b), headers(b), Codec.bytes(b));
        } catch (RuntimeException e) {
            throw new AtollException("malformed HTTP request payload", null, e);
        }
    }

    public static byte[] encodeResponse(Response r) {
        byte[][] headers = utf8(r.headers());
        ByteBuffer b = ByteBuffer.allocate(4 + size(headers) + 4 + r.body().length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(r.status());
        putHeaders(b, headers);
        Codec.put(b, r.body());
        return b.array();
    }

    public static Response decodeResponse(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            return new Response(b.getInt(), headers(b), Codec.bytes(b));
        } catch (RuntimeException e) {
            throw new AtollException("malformed HTTP response payload", null, e);
        }
    }

    /** Names and values in UTF-8, alternating: encoded once, used to size and to write. */
    private static byte[][] utf8(List<Map.Entry<String, String>> headers) {
        byte[][] out = new byte[2 * headers.size()][];
        int i = 0;
        for (var h : headers) {
            out[i++] = Codec.utf8(h.getKey());
            out[i++] = Codec.utf8(h.getValue());
        }
        return out;
    }

    /** Bytes of the header count and the length-prefixed names and values. */
    private static int size(byte[][] headers) {
        int n = 4;
        for (byte[] h : headers) {
            n += 4 + h.length;
        }
        return n;
    }

    private static void putHeaders(ByteBuffer b, byte[][] headers) {
        b.putInt(headers.length / 2);
        for (byte[] h : headers) {
            Codec.put(b, h);
        }
    }

    private static List<Map.Entry<String, String>> headers(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining() / 8) {
            throw new IllegalArgumentException("bad header count " + n);
        }
        List<Map.Entry<String, String>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Map.entry(Codec.string(b), Codec.string(b)));
        }
        return out;
    }
}
