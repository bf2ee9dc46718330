package io.atoll.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void envelopeRoundTripsWithTheDocumentedLayout() {
        Envelope e = new Envelope(Abi.KIND_HTTP_REQUEST, Abi.FLAG_FIFO, 7L, "a/b/0", "_reply/n/1", "hé".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = e.encode();
        assertThat(bytes).hasSize(Envelope.HEADER_BYTES + 5 + 10 + 3);
        assertThat(bytes[0]).isEqualTo((byte) 1); // kind, little-endian u32
        assertThat(bytes[16]).isEqualTo((byte) 5); // sender length
        Envelope d = Envelope.decode(bytes);
        assertThat(d.sender()).isEqualTo("a/b/0");
        assertThat(d.replyTo()).isEqualTo("_reply/n/1");
        assertThat(d.correlation()).isEqualTo(7L);
        assertThat(d.fifo()).isTrue();
        assertThat(new String(d.payload(), StandardCharsets.UTF_8)).isEqualTo("hé");
    }

    @Test
    void truncatedEnvelopeIsRefused() {
        byte[] bytes = new Envelope(0, 0, 0, "s", "r", new byte[10]).encode();
        assertThatThrownBy(() -> Envelope.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(AtollException.class).hasMessageContaining("malformed envelope");
    }

    @Test
    void httpRequestAndResponseRoundTrip() {
        var req = new HttpCodec.Request("PUT", "/kv/a?x=1", List.of(Map.entry("content-type", "text/plain")), "v".getBytes());
        var back = HttpCodec.decodeRequest(HttpCodec.encodeRequest(req));
        assertThat(back.method()).isEqualTo("PUT");
        assertThat(back.path()).isEqualTo("/kv/a?x=1");
        assertThat(back.headers()).containsExactly(Map.entry("content-type", "text/plain"));
        assertThat(back.body()).containsExactly('v');
        var res = new HttpCodec.Response(404, List.of(), new byte[0]);
        assertThat(HttpCodec.decodeResponse(HttpCodec.encodeResponse(res)).status()).isEqualTo(404);
        assertThatThrownBy(() -> HttpCodec.decodeResponse(new byte[] {1, 0})).isInstanceOf(AtollException.class);
    }

    @Test
    void kvListRoundTrips() {
        var pairs = List.of(Map.entry("a".getBytes(), "1".getBytes()), Map.entry("b".getBytes(), new byte[0]));
        var back = KvList.decode(KvList.encode(pairs));
        assertThat(back).hasSize(2);
        assertThat(new String(back.get(0).getKey())).isEqualTo("a");
        assertThat(back.get(1).getValue()).isEmpty();
    }

    @Test
    void errorCodesAreStable() {
        assertThat(ErrorCode.ENOTFOUND.code()).isEqualTo(-1);
        assertThat(ErrorCode.EUNREACHABLE.code()).isEqualTo(-8);
        assertThat(ErrorCode.of(-3)).isEqualTo(ErrorCode.EFULL);
    }
}
