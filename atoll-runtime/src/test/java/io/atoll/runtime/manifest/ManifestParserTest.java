package io.atoll.runtime.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.runtime.manifest.AtomSpec.Placement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manifest parser alone, without a node: placement and its errors. */
class ManifestParserTest {

    private static AtomSpec atom(String yaml) {
        return ManifestParser.parse(yaml, "app.yaml").atoms().getFirst();
    }

    @Test
    void withoutPlacementThereAreNoConstraints() {
        AtomSpec a = atom("app: shop\natoms:\n  - { name: cart, module: cart.wasm }\n");
        assertThat(a.placement()).isEqualTo(Placement.NONE);
        assertThat(a.placement().perNode()).isZero();
    }

    @Test
    void placementIsRead() {
        AtomSpec a = atom("""
                app: shop
                atoms:
                  - name: cart
                    module: cart.wasm
                    placement:
                      tags: { allow: [edge], deny: [gpu] }
                      zone: eu-1
                      memory: 32Mi
                """);
        assertThat(a.placement()).isEqualTo(new Placement(List.of("edge"), List.of("gpu"), "eu-1", 32L << 20, 0));
    }

    @Test
    void perNodeForADaemon() {
        AtomSpec a = atom("""
                app: shop
                atoms:
                  - name: agent
                    module: agent.wasm
                    placement: { per-node: 2, zone: eu-1 }
                """);
        assertThat(a.kind()).isEqualTo(AtomSpec.Kind.DAEMON);
        assertThat(a.placement().perNode()).isEqualTo(2);
        assertThat(a.placement().zone()).isEqualTo("eu-1");
        assertThat(atom("app: s\natoms:\n  - { name: a, module: a.wasm, kind: daemon, placement: { per-node: 1000 } }\n")
                .placement().perNode()).isEqualTo(1000);
    }

    @Test
    void perNodeMustBeAWholeNumberFrom1To1000() {
        for (String bad : List.of("0", "1001", "-1", "2.5", "two", "[2]")) {
            assertThatThrownBy(() -> atom("app: s\natoms:\n  - name: a\n    module: a.wasm\n    placement:\n      per-node: " + bad + "\n"))
                    .as(bad)
                    .isInstanceOf(ManifestException.class)
                    .hasMessageContaining("app.yaml:6: atoms[0].placement.per-node: expected a whole number from 1 to 1000");
        }
    }

    @Test
    void perNodeIsForDaemonsOnly() {
        assertThatThrownBy(() -> atom("""
                app: s
                atoms:
                  - name: a
                    module: a.wasm
                    kind: reactive
                    placement:
                      per-node: 2
                """))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("app.yaml:7: atoms[0].placement.per-node: per-node is for daemons");
    }

    @Test
    void perNodeOrInstancesNotBoth() {
        assertThatThrownBy(() -> atom("""
                app: s
                atoms:
                  - name: a
                    module: a.wasm
                    instances: 3
                    placement:
                      per-node: 2
                """))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("app.yaml:7: atoms[0].placement.per-node: choose one: 'instances'")
                .hasMessageContaining("'placement.per-node'");
    }

    @Test
    void unknownPlacementFieldNamesTheKnownOnes() {
        assertThatThrownBy(() -> atom("app: s\natoms:\n  - { name: a, module: a.wasm, placement: { pernode: 2 } }\n"))
                .hasMessageContaining("app.yaml:3: atoms[0].placement.pernode: unknown field 'pernode'")
                .hasMessageContaining("per-node");
    }

    @Test
    void checkpointsAreForDaemonsWithoutWasiEveryHundredMillisecondsAtMost() {
        assertThat(atom("app: s\natoms:\n  - { name: a, module: a.wasm }\n").checkpointMs()).isZero();
        assertThat(atom("app: s\natoms:\n  - { name: a, module: a.wasm, checkpoint: 10s }\n").checkpointMs()).isEqualTo(10_000);
        assertThat(atom("app: s\natoms:\n  - { name: a, module: a.wasm, checkpoint: never }\n").checkpointMs()).isZero();
        assertThatThrownBy(() -> atom("app: s\natoms:\n  - { name: a, module: a.wasm, kind: reactive, checkpoint: 1s }\n"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("atoms[0].checkpoint: checkpoints are for daemons");
        assertThatThrownBy(() -> atom("app: s\natoms:\n  - { name: a, module: a.wasm, capabilities: [wasi], checkpoint: 1s }\n"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("granted wasi cannot be checkpointed");
        assertThatThrownBy(() -> atom("app: s\natoms:\n  - { name: a, module: a.wasm, checkpoint: 10ms }\n"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("at least 100ms");
        assertThatThrownBy(() -> atom("app: s\natoms:\n  - { name: a, module: a.wasm, checkpoint: soon }\n"))
                .isInstanceOf(ManifestException.class).hasMessageContaining("atoms[0].checkpoint");
    }
}
