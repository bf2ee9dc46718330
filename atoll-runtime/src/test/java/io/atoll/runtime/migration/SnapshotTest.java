package io.atoll.runtime.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.atoll.abi.Envelope;
import io.atoll.engine.InstanceState;
import io.atoll.runtime.atom.Atom;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotTest {
    static Snapshot sample() {
        InstanceState state = new InstanceState(3, new byte[] {1, 2, 3, 4, 5}, new long[] {7, -1}, new long[] {0, 42},
                new int[][] {{1, 2, 3}, {}}, new byte[] {9, 9}, 196608, true, InstanceState.RAW);
        List<Envelope> waiting = List.of(new Envelope(0, 1, 5L, "app/a/0", "app/a/0", "seq 1".getBytes()),
                new Envelope(1, 0, 0L, "_ingress", "_reply/n1/3", new byte[0]));
        return new Snapshot("app/d/0", "app/d", "sha256:abc", new Atom.Captured(state, waiting, 10, 2, 1, 123_456_789L, 1_790_000_000_000L, 0),
                List.of("news", "x"));
    }

    @Test
    void aSnapshotRoundTripsEveryField() {
        Snapshot s = sample();
        Snapshot back = Snapshot.decode(s.encode());
        assertThat(back.name()).isEqualTo("app/d/0");
        assertThat(back.definition()).isEqualTo("app/d");
        assertThat(back.module()).isEqualTo("sha256:abc");
        assertThat(back.aliases()).containsExactly("news", "x");
        InstanceState st = back.captured().state();
        assertThat(st.pages()).isEqualTo(3);
        assertThat(st.memory()).containsExactly(1, 2, 3, 4, 5);
        assertThat(st.globalsLow()).containsExactly(7, -1);
        assertThat(st.globalsHigh()).containsExactly(0, 42);
        assertThat(st.tables()[0]).containsExactly(1, 2, 3);
        assertThat(st.tables()[1]).isEmpty();
        assertThat(st.result()).containsExactly(9, 9);
        assertThat(back.captured().waiting()).hasSize(2);
        assertThat(back.captured().waiting().get(0).sender()).isEqualTo("app/a/0");
        assertThat(new String(back.captured().waiting().get(0).payload())).isEqualTo("seq 1");
        assertThat(back.captured().waiting().get(1).replyTo()).isEqualTo("_reply/n1/3");
        assertThat(back.captured().messages()).isEqualTo(10);
        assertThat(back.captured().faults()).isEqualTo(2);
        assertThat(back.captured().restarts()).isEqualTo(1);
        assertThat(st.saveArea()).as("mid-run capture: where the call stack is").isEqualTo(196608);
        assertThat(st.suspended()).isTrue();
        assertThat(st.form()).isEqualTo(InstanceState.RAW);
        assertThat(back.captured().clockNanos()).isEqualTo(123_456_789L);
        assertThat(back.captured().wallMillis()).isEqualTo(1_790_000_000_000L);
    }

    @Test
    void aVersionOneSnapshotStillReadsAsCapturedBetweenEvents() throws Exception {
        // version 1 is version 2 without the four trailing fields (save area, suspended, clocks)
        byte[] v2 = sample().encode();
        byte[] body = java.util.Arrays.copyOfRange(v2, 14, v2.length - 4 - 1 - 8 - 8 - 1);
        var crc = new java.util.zip.CRC32C();
        crc.update(body);
        var out = new java.io.ByteArrayOutputStream();
        var head = new java.io.DataOutputStream(out);
        head.write("ATOLSNAP".getBytes());
        head.writeShort(1);
        head.writeInt((int) crc.getValue());
        head.write(body);
        Snapshot back = Snapshot.decode(out.toByteArray());
        assertThat(back.captured().state().suspended()).isFalse();
        assertThat(back.captured().state().saveArea()).isZero();
        assertThat(back.captured().wallMillis()).isZero();
        assertThat(back.captured().restarts()).isEqualTo(1);
    }

    @Test
    void corruptionAnotherVersionAndOtherBytesAreNamed() {
        byte[] bytes = sample().encode();
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 3] ^= 0x10;
        assertThatThrownBy(() -> Snapshot.decode(flipped)).isInstanceOf(AtollException.class).hasMessageContaining("checksum");
        byte[] later = bytes.clone();
        later[9] = 9; // version 9
        assertThatThrownBy(() -> Snapshot.decode(later)).isInstanceOf(AtollException.class).hasMessageContaining("version 9");
        assertThatThrownBy(() -> Snapshot.decode("hello".getBytes())).isInstanceOf(AtollException.class)
                .hasMessage("not an Atoll snapshot");
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 10);
        assertThatThrownBy(() -> Snapshot.decode(cut)).isInstanceOf(AtollException.class);
    }
}
