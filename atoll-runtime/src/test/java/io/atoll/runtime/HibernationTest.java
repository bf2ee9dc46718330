package io.atoll.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.atoll.runtime.atom.Atom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Idle handler atoms give their memory back and continue exactly where they were. */
class HibernationTest {
    @Test
    void anIdleAtomHibernatesAndWakesWithItsState() {
        try (TestNode t = TestNode.start()) {
            t.deploy("app: h\natoms:\n  - { name: p, module: " + t.atom("probe") + ", hibernate: 300ms }\n"
                    + "  - { name: awake, module: " + t.atom("probe") + ", hibernate: never }\n");
            for (int i = 0; i < 3; i++) {
                assertThat(t.send("h/p/0", "echo " + i)).isEqualTo(String.valueOf(i));
            }
            t.send("h/p/0", "alias sleepy");
            Atom p = t.node.core().atom("h/p/0");
            long awakeBytes = p.memoryBytes();
            TestNode.await(Duration.ofSeconds(5), "hibernated", () -> p.state().label().equals("hibernated"));
            assertThat(p.memoryBytes()).isLessThan(awakeBytes / 4);
            // state in linear memory survived: the in-memory message counter continues
            assertThat(t.send("h/p/0", "count")).isEqualTo("5");
            assertThat(t.send("h/awake/0", "lookup 2 sleepy")).isEqualTo("h/p/0");
            assertThat(p.state().label()).isIn("idle", "running");
            Atom awake = t.node.core().atom("h/awake/0");
            assertThat(awake.state().label()).isNotEqualTo("hibernated");
        }
    }
}
