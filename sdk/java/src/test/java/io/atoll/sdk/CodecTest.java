package io.atoll.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The SDK's codecs run on the JVM too: checked here against the JDK and the ABI layouts. */
class CodecTest {

    @Test
    void utf8EncodingMatchesTheJdkForValidStrings() {
        Random rnd = new Random(1);
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(20);
            for (int j = 0; j < len; j++) {
                int kind = rnd.nextInt(4);
                int cp = switch (kind) {
                    case 0 -> rnd.nextInt(0x80);
                    case 1 -> 0x80 + rnd.nextInt(0x800 - 0x80);
                    case 2 -> {
                        int c = 0x800 + rnd.nextInt(0x10000 - 0x800);
                        yield c >= 0xD800 && c <= 0xDFFF ? 'x' : c;
                    }
                    default -> 0x10000 + rnd.nextInt(0x110000 - 0x10000);
                };
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            byte[] jdk = s.getBytes(StandardCharsets.UTF_8);
            assertThat(Codec.utf8(s)).isEqualTo(jdk);
            assertThat(Codec.string(jdk)).isEqualTo(s);
        }
    }

    @Test
    void malformedUtf8BecomesReplacementCharacters() {
        assertThat(Codec.string(new byte[] {'a', (byte) 0xFF, 'b'})).isEqualTo("a\uFFFDb");
        assertThat(Codec.string(new byte[] {'a', (byte) 0xC3})).isEqualTo("a\uFFFD");
        assertThat(Codec.string(new byte[] {(byte) 0xE2, (byte) 0x82, 'x'})).isEqualTo("\uFFFDx");
        assertThat(Codec.string(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})).contains("\uFFFD");
        assertThat(Codec.utf8("a\uD800b")).isEqualTo(new byte[] {'a', '?', 'b'});
        assertThat(Codec.utf8(null)).isEmpty();
    }

    @Test
    void envelopeRoundTripAndAbiLayout() {
        Message m = new Message(1, 5, 0x0102030405060708L, "app/a/0", "_reply/9", new byte[] {1, 2, 3});
        byte[] b = m.encode();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bb.getInt(0)).isEqualTo(1);
        assertThat(bb.getInt(4)).isEqualTo(5);
        assertThat(bb.getLong(8)).isEqualTo(0x0102030405060708L);
        assertThat(bb.getInt(16)).isEqualTo(7);
        assertThat(bb.getInt(20)).isEqualTo(8);
        assertThat(bb.getInt(24)).isEqualTo(3);
        assertThat(b).hasSize(28 + 7 + 8 + 3);

        Message d = Message.decode(b, 0, b.length);
        assertThat(d.kind()).isEqualTo(Message.Kind.HTTP_REQUEST);
        assertThat(d.flags()).isEqualTo(5);
        assertThat(d.correlation()).isEqualTo(0x0102030405060708L);
        assertThat(d.sender()).isEqualTo("app/a/0");
        assertThat(d.replyTo()).isEqualTo("_reply/9");
        assertThat(d.payload()).containsExactly(1, 2, 3);
    }

    @Test
    void malformedEnvelopesAreRefused() {
        assertThatThrownBy(() -> Message.decode(new byte[27], 0, 27)).isInstanceOf(IllegalArgumentException.class);
        byte[] b = new Message(0, 0, 0, "s", "r", new byte[4]).encode();
        b[24] = 5;
        assertThatThrownBy(() -> Message.decode(b, 0, b.length)).hasMessageContaining("malformed envelope");
        b[24] = 4;
        b[19] = (byte) 0x80; // sender length 2^31+1: must not overflow into a negative check
        assertThatThrownBy(() -> Message.decode(b, 0, b.length)).hasMessageContaining("malformed envelope");
    }

    @Test
    void httpRequestDecodesTheAbiLayout() {
        HttpRequest req = new HttpRequest("POST", "/echo?x=1&y=&z", List.of(new String[] {"content-type", "text/plain"},
                new String[] {"x-a", "1"}, new String[] {"x-a", "2"}), "hé".getBytes(StandardCharsets.UTF_8));
        HttpRequest d = HttpRequest.decode(req.encode());
        assertThat(d.method()).isEqualTo("POST");
        assertThat(d.isPost()).isTrue();
        assertThat(d.path()).isEqualTo("/echo?x=1&y=&z");
        assertThat(d.pathOnly()).isEqualTo("/echo");
        assertThat(d.query()).isEqualTo("x=1&y=&z");
        assertThat(d.queryParam("x")).isEqualTo("1");
        assertThat(d.queryParam("y")).isEmpty();
        assertThat(d.queryParam("z")).isEmpty();
        assertThat(d.queryParam("w")).isNull();
        assertThat(d.header("Content-Type")).isEqualTo("text/plain");
        assertThat(d.headerValues("x-a")).containsExactly("1", "2");
        assertThat(d.bodyText()).isEqualTo("hé");

        Message m = new Message(1, 0, 3, "_ingress", "_reply/1", req.encode());
        assertThat(m.isHttp()).isTrue();
        assertThat(m.bodyText()).isEqualTo("hé");
        assertThatThrownBy(() -> HttpRequest.decode(new byte[] {5, 0, 0, 0, 'G'}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Message(0, 0, 0, "a", "a", new byte[0]).http())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void httpResponseEncodesTheAbiLayout() {
        byte[] b = HttpResponse.text(404, "nope").header("X-Trace", "7").encode();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bb.getInt()).isEqualTo(404);
        assertThat(bb.getInt()).isEqualTo(2);
        assertThat(str(bb)).isEqualTo("content-type");
        assertThat(str(bb)).isEqualTo("text/plain; charset=utf-8");
        assertThat(str(bb)).isEqualTo("x-trace");
        assertThat(str(bb)).isEqualTo("7");
        assertThat(str(bb)).isEqualTo("nope");
        assertThat(bb.hasRemaining()).isFalse();
    }

    @Test
    void listsAndErrors() {
        assertThat(Codec.lines("a/b/0\na/b/1\n".getBytes(StandardCharsets.UTF_8))).containsExactly("a/b/0", "a/b/1");
        assertThat(Codec.lines(new byte[0])).isEmpty();
        assertThat(new AtollException("send to x", -3).getMessage()).isEqualTo("send to x failed: EFULL (-3)");
        assertThat(new AtollException("x", -99).error()).isEqualTo(AtollError.UNKNOWN);
        assertThat(AtollError.of(-8)).isEqualTo(AtollError.EUNREACHABLE);
        assertThat(SendOptions.defaults().fifo().alias().correlation(9).flags()).isEqualTo(3);
        assertThat(SendOptions.defaults().flags()).isZero();
    }

    private static String str(ByteBuffer bb) {
        byte[] s = new byte[bb.getInt()];
        bb.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
