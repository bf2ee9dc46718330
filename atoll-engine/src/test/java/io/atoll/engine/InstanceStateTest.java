package io.atoll.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The two encodings of a memory image: deflated (hibernation, checkpoints) and a page list (migration). */
class InstanceStateTest {
    @Test
    void bothEncodingsGiveTheSameMemoryBackAndAPageListLeavesZeroPagesOut() {
        byte[] raw = new byte[8 * 65536];
        new Random(7).nextBytes(raw);
        java.util.Arrays.fill(raw, 0, 65536, (byte) 0);
        java.util.Arrays.fill(raw, 2 * 65536, 8 * 65536, (byte) 0);
        raw[5 * 65536 + 17] = 42; // one byte makes a page used
        byte[] pages = InstanceState.pageList(raw);
        assertThat(pages.length).isEqualTo(5 + 2 * (4 + 65536)); // pages 1 and 5 only
        assertThat(InstanceState.inflate(pages, raw.length)).isEqualTo(raw);
        assertThat(InstanceState.inflate(InstanceState.deflate(raw), raw.length)).isEqualTo(raw);
        assertThat(InstanceState.inflate(InstanceState.pageList(new byte[65536]), 65536)).isEqualTo(new byte[65536]);
    }

    @Test
    void aPageListNamingAPageBeyondTheMemoryIsRefused() {
        byte[] raw = new byte[2 * 65536];
        raw[65536] = 1;
        byte[] pages = InstanceState.pageList(raw);
        assertThatThrownBy(() -> InstanceState.inflate(pages, 65536)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("page 1");
    }
}
