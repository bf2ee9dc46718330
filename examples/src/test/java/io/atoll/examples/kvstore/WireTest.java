package io.atoll.examples.kvstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The message and storage formats on the JVM. */
class WireTest {

    @Test
    void aPutKeepsItsKeyWithSpacesAndItsBinaryValue() {
        byte[] value = {0, '\n', (byte) 0xFF, ' ', 'x'};
        Wire.Put p = new Wire.Put(9, 123456789L, "kv/frontend/a-r1", -5, 3, List.of("a-1", "b-2"), "a key with spaces", value);
        Wire.Put q = Wire.Put.decode(p.encode());
        assertThat(q.epoch()).isEqualTo(9);
        assertThat(q.version()).isEqualTo(123456789L);
        assertThat(q.replyTo()).isEqualTo("kv/frontend/a-r1");
        assertThat(q.correlation()).isEqualTo(-5);
        assertThat(q.hops()).isEqualTo(3);
        assertThat(q.stored()).containsExactly("a-1", "b-2");
        assertThat(q.key()).isEqualTo("a key with spaces");
        assertThat(q.value()).isEqualTo(value);
        assertThat(Wire.verb(p.encode())).isEqualTo("put");

        Wire.Put fresh = new Wire.Put(0, 1, "-", 0, 0, List.of(), "k", new byte[0]);
        Wire.Put decoded = Wire.Put.decode(fresh.encode());
        assertThat(decoded.stored()).isEmpty();
        assertThat(decoded.value()).isEmpty();
        Wire.Put routed = decoded.answeringTo("kv/frontend/b-r2", 99);
        assertThat(routed.replyTo()).isEqualTo("kv/frontend/b-r2");
        assertThat(routed.correlation()).isEqualTo(99);
        assertThat(routed.answeringTo("other", 1)).as("only the first member fills in the client").isSameAs(routed);
        assertThat(routed.next(3, List.of("a-1")).hops()).isEqualTo(1);
        assertThat(routed.next(3, List.of("a-1")).epoch()).isEqualTo(3);
    }

    @Test
    void aGetCarriesWhoWasAskedAlready() {
        Wire.Get g = new Wire.Get(4, "kv/frontend/a-r1", 7, 2, List.of("a-1", "c-2!"), "k e y");
        Wire.Get h = Wire.Get.decode(g.encode());
        assertThat(h).isEqualTo(g);
        assertThat(Wire.Get.decode(new Wire.Get(0, "-", 0, 0, List.of(), "k").encode()).visited()).isEmpty();
        assertThatThrownBy(() -> Wire.Get.decode("put 1 2".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void storedValuesCarryTheirVersion() {
        Wire.Versioned v = new Wire.Versioned(Long.MAX_VALUE - 3, "hello".getBytes(StandardCharsets.UTF_8));
        Wire.Versioned w = Wire.Versioned.decode(v.encode());
        assertThat(w.version()).isEqualTo(Long.MAX_VALUE - 3);
        assertThat(new String(w.value(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(v.encode()).hasSize(13);
    }

    @Test
    void splitAndAnswersWithBodies() {
        assertThat(Wire.split("a b c d", ' ', 3)).containsExactly("a", "b", "c d");
        assertThat(Wire.split("a,b,", ',', 0)).containsExactly("a", "b", "");
        assertThat(Wire.split("", ' ', 0)).containsExactly("");
        byte[] val = new Wire.Out(4).word("val").num(5).num(77).withBody(new byte[] {'\n', 1});
        Wire.In in = new Wire.In(val);
        assertThat(in.word()).isEqualTo("val");
        assertThat(in.num()).isEqualTo(5);
        assertThat(in.num()).isEqualTo(77);
        assertThat(in.body()).containsExactly('\n', 1);
        assertThat(Wire.body(val)).containsExactly('\n', 1);
        assertThat(Wire.body(Wire.ascii("miss 5"))).isEmpty();
    }

    @Test
    void numbersRoundTripAtTheirLimitsAndBadHeadersAreNamed() {
        long[] numbers = {0, 7, -1, 10, 1234567890123L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        Wire.Out out = new Wire.Out(1); // grows as needed
        for (long n : numbers) {
            out.num(n);
        }
        byte[] header = out.list(java.util.List.of("a-1", "b-22")).bytes();
        assertThat(new String(header, StandardCharsets.US_ASCII)).isEqualTo(
                "0 7 -1 10 1234567890123 9223372036854775807 -9223372036854775808 -9223372036854775807 a-1,b-22");
        Wire.In in = new Wire.In(header);
        for (long n : numbers) {
            assertThat(in.num()).isEqualTo(n);
        }
        assertThat(in.list()).containsExactly("a-1", "b-22");
        assertThatThrownBy(in::word).hasMessageContaining("missing a word");
        assertThatThrownBy(() -> new Wire.In(Wire.ascii("9223372036854775808")).num()).hasMessageContaining("not a number");
        assertThatThrownBy(() -> new Wire.In(Wire.ascii("12x")).num()).hasMessageContaining("not a number");
        assertThatThrownBy(() -> new Wire.In(Wire.ascii("- 1")).num()).hasMessageContaining("not a number");
        assertThatThrownBy(() -> Wire.Put.decode(Wire.ascii("put 1 2 x 3"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Wire.Put.decode(Wire.ascii("put 1 2 x 3 0 - key"))).hasMessageContaining("not a put");
    }
}
