package io.atoll.abi;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Length-prefixed fields shared by the envelope, HTTP and list encodings. */
final class Codec {
    private Codec() {}

    static byte[] bytes(ByteBuffer b, int len) {
        if (len < 0 || len > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }

    static byte[] bytes(ByteBuffer b) {
        return bytes(b, b.getInt());
    }

    static String string(ByteBuffer b, int len) {
        return new String(bytes(b, len), StandardCharsets.UTF_8);
    }

    static String string(ByteBuffer b) {
        return string(b, b.getInt());
    }

    static void put(ByteBuffer b, byte[] v) {
        b.putInt(v.length).put(v);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
