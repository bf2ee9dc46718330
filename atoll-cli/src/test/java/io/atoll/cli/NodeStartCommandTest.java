package io.atoll.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.atoll.runtime.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class NodeStartCommandTest {

    private static NodeConfig config(String... args) {
        NodeStartCommand cmd = new NodeStartCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    @Test
    void optionsBecomeTheNodeConfig() {
        NodeConfig c = config("--name", "edge-1", "--zone", "eu-1", "--tags", "edge, arm64,,", "--host", "0.0.0.0",
                "--port", "9000", "--data", "rel/dir", "--token", "t0k");

        assertThat(c.name()).isEqualTo("edge-1");
        assertThat(c.zone()).isEqualTo("eu-1");
        assertThat(c.tags()).containsExactly("edge", "arm64");
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.dataDir()).isEqualTo(Path.of("rel/dir").toAbsolutePath().normalize());
        assertThat(c.token()).isEqualTo("t0k");
    }

    @Test
    void defaultsComeFromTheRuntimeAndTheDataDirFollowsTheName() {
        NodeConfig d = NodeConfig.defaults();
        NodeConfig c = config();
        assertThat(c).isEqualTo(d);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8080);

        NodeConfig named = config("--name", "edge-2");
        assertThat(named.dataDir()).isEqualTo(Path.of(System.getProperty("user.home"), ".atoll", "edge-2"));
        assertThat(named.tags()).isEqualTo(List.of());
    }

    @Test
    void badPortIsRefused() {
        assertThatThrownBy(() -> config("--port", "70000"))
                .isInstanceOf(AtollException.class)
                .hasMessage("not a port: 70000");
    }

    @Test
    void aNameThatCannotTravelInAddressesIsRefused() {
        assertThatThrownBy(() -> config("--name", "a/b"))
                .isInstanceOf(AtollException.class).hasMessageContaining("'a/b' is not a usable node name");
        assertThatThrownBy(() -> config("--name", "-x"))
                .isInstanceOf(AtollException.class).hasMessageContaining("not a usable node name");
        assertThat(config("--name", "Edge_2").name()).isEqualTo("Edge_2");
    }

    @Test
    void fabricOptionsNeedTheFabricAndGoInPairs() {
        NodeStartCommand alone = new NodeStartCommand();
        new CommandLine(alone).parseArgs("--fabric-ca", "ca.pem");
        assertThatThrownBy(alone::fabricOptions).isInstanceOf(AtollException.class).hasMessageContaining("need --fabric");

        NodeStartCommand half = new NodeStartCommand();
        new CommandLine(half).parseArgs("--fabric", "tls://h:4222", "--fabric-cert", "c.pem");
        assertThatThrownBy(half::fabricOptions).isInstanceOf(AtollException.class).hasMessageContaining("go together");

        NodeStartCommand none = new NodeStartCommand();
        new CommandLine(none).parseArgs();
        assertThat(none.fabricOptions()).isNull();

        NodeStartCommand full = new NodeStartCommand();
        new CommandLine(full).parseArgs("--fabric", "nats://u:p@h:4222", "--fabric-creds", "n.creds");
        assertThat(full.fabricOptions().credentials()).isEqualTo(Path.of("n.creds"));
        assertThat(full.fabricOptions().redactedUrl()).doesNotContain("u:p");
    }
}
