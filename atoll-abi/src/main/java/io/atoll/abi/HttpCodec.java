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
        ByteBuffer b = ByteBuffer.allocate(size(r.headers(), r.body(), method, path)).order(ByteOrder.LITTLE_ENDIAN);
        Codec.put(b, method);
        Codec.put(b, path);
        putHeaders(b, r.headers());
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
        ByteBuffer b = ByteBuffer.allocate(4 + size(r.headers(), r.body())).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(r.status());
        putHeaders(b, r.headers());
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

    private static int size(List<Map.Entry<String, String>> headers, byte[] body, byte[]... strings) {
        int n = 4 + 4 + body.length;
        for (byte[] s : strings) {
            n += 4 + s.length;
        }
        for (var h : headers) {
            n += 8 + Codec.utf8(h.getKey()).length + Codec.utf8(h.getValue()).length;
        }
        return n;
    }

    private static void putHeaders(ByteBuffer b, List<Map.Entry<String, String>> headers) {
        b.putInt(headers.size());
        for (var h : headers) {
            Codec.put(b, Codec.utf8(h.getKey()));
            Codec.put(b, Codec.utf8(h.getValue()));
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
