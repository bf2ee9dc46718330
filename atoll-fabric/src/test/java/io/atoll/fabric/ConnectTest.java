package io.atoll.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.NKey;
import io.nats.client.support.JwtUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logging in to the fabric: user/password and token in the URL, and a NATS .creds file. Each refused
 * login costs the connect timeout (2 s: jnats waits for the PONG even after the server's
 * "Authorization Violation"), so each way of failing is tried once.
 */
@Timeout(30)
class ConnectTest {
    @TempDir
    Path tmp;

    /** Proves the connection works end to end: the server answers a round trip. */
    static void assertUsable(Connection nc) throws Exception {
        assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);
        nc.flush(Duration.ofSeconds(2));
    }

    @Test
    void userAndPasswordInTheUrl() throws Exception {
        try (NatsServer server = NatsServer.start("--user", "a", "--pass", "b")) {
            String hostPort = "127.0.0.1:" + server.port();
            try (Connection nc = NatsConnect.open(FabricOptions.of("nats://a:b@" + hostPort), "t")) {
                assertUsable(nc);
            }
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of("nats://" + hostPort), "t"))
                    .isInstanceOf(AtollException.class)
                    .hasMessageContaining("refused the login")
                    .satisfies(e -> assertThat(((AtollException) e).hint()).contains("password"));
        }
    }

    @Test
    void tokenInTheUrl() throws Exception {
        try (NatsServer server = NatsServer.start("--auth", "s3cret")) {
            try (Connection nc = NatsConnect.open("nats://s3cret@127.0.0.1:" + server.port(), "t")) {
                assertUsable(nc);
            }
        }
    }

    /**
     * A .creds file holds a user JWT and the user's nkey seed. The server here trusts the user's
     * public nkey directly (no operator set-up needed), so a login succeeds only if the seed in the
     * file signed the server's nonce.
     */
    @Test
    void credsFile() throws Exception {
        SecureRandom random = new SecureRandom();
        NKey account = NKey.createAccount(random);
        NKey user = NKey.createUser(random);
        NKey stranger = NKey.createUser(random);
        Path config = tmp.resolve("auth.conf");
        Files.writeString(config, "authorization { users = [ { nkey: " + new String(user.getPublicKey()) + " } ] }\n");
        Path good = writeCreds("good.creds", account, user);
        Path other = writeCreds("other.creds", account, stranger);

        try (NatsServer server = NatsServer.start("-c", config.toString())) {
            try (Connection nc = NatsConnect.open(FabricOptions.of(server.url()).withCredentials(good), "t")) {
                assertUsable(nc);
            }
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of(server.url()).withCredentials(other), "t"))
                    .isInstanceOf(AtollException.class).hasMessageContaining("refused the login");
        }
    }

    @Test
    void aMissingOrMalformedCredsFileIsNamed() throws Exception {
        Path missing = tmp.resolve("nope.creds");
        Path garbage = Files.writeString(tmp.resolve("garbage.creds"), "hello\n");
        Path badSeed = Files.writeString(tmp.resolve("bad-seed.creds"), """
                -----BEGIN NATS USER JWT-----
                eyJhbGciOiJlZDI1NTE5In0.e30.c2ln
                ------END NATS USER JWT------

                -----BEGIN USER NKEY SEED-----
                SUNOTASEED
                ------END USER NKEY SEED------
                """);
        // The file is checked before any connection attempt, so no server is needed.
        for (Path p : new Path[] {missing, garbage, badSeed}) {
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of("nats://127.0.0.1:1").withCredentials(p), "t"))
                    .isInstanceOf(AtollException.class)
                    .hasMessageContaining(p.toString())
                    .satisfies(e -> assertThat(((AtollException) e).hint()).isNotBlank());
        }
    }

    @Test
    void anUnreachableFabricFailsFastWithAHint() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of("nats://127.0.0.1:" + freePort()), "t"))
                .isInstanceOf(AtollException.class).hasMessageContaining("cannot reach the fabric");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void optionsAreCheckedWhenBuilt() {
        assertThatThrownBy(() -> new FabricOptions("nats://h:1", null, null, tmp.resolve("c.pem"), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FabricOptions.of(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(FabricOptions.of("nats://u:p@h:1,nats://t@g:2").redactedUrl()).isEqualTo("nats://***@h:1,nats://***@g:2");
        assertThat(FabricOptions.of("nats://h:1").tls()).isFalse();
        assertThat(FabricOptions.of("tls://h:1").tls()).isTrue();
        assertThat(FabricOptions.of("nats://h:1").withTrustedCa(tmp.resolve("ca.pem")).tls()).isTrue();
    }

    private Path writeCreds(String name, NKey account, NKey user) throws Exception {
        String jwt = JwtUtils.issueUserJWT(account, new String(account.getPublicKey()), new String(user.getPublicKey()));
        String creds = JwtUtils.NATS_USER_JWT_FORMAT.formatted(jwt, new String(user.getSeed()));
        return Files.writeString(tmp.resolve(name), creds, StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try {
            return NatsServer.freePort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
