package io.atoll.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to the fabric with PEM files, against nats-server with a certificate made by openssl here:
 * server authentication with a private CA, host name checking, and mutual TLS.
 */
@Timeout(60)
class TlsTest {
    @TempDir
    static Path dir;
    static TestCerts certs;

    @BeforeAll
    static void makeCertificates() throws Exception {
        assumeTrue(TestCerts.opensslAvailable(), "the openssl command is not installed: TLS tests skipped");
        certs = TestCerts.create(dir);
    }

    NatsServer tlsServer(String... more) {
        String[] args = new String[4 + more.length];
        System.arraycopy(new String[] {"--tlscert", certs.serverCert.toString(), "--tlskey", certs.serverKey.toString()},
                0, args, 0, 4);
        System.arraycopy(more, 0, args, 4, more.length);
        return NatsServer.start(args);
    }

    @Test
    void aClientTrustingThePrivateCaConnectsOverTls() throws Exception {
        try (NatsServer server = tlsServer("--tls")) {
            String tlsUrl = "tls://127.0.0.1:" + server.port();
            try (Connection nc = NatsConnect.open(FabricOptions.of(tlsUrl).withTrustedCa(certs.ca), "t")) {
                ConnectTest.assertUsable(nc);
            }
            // A nats:// URL with a CA file asks for TLS too.
            try (Connection nc = NatsConnect.open(FabricOptions.of(server.url()).withTrustedCa(certs.ca), "t")) {
                ConnectTest.assertUsable(nc);
            }
            // Without the CA the JDK's trust store does not know the server's certificate.
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of(tlsUrl), "t"))
                    .isInstanceOf(AtollException.class).hasMessageContaining("TLS handshake")
                    .satisfies(e -> assertThat(((AtollException) e).hint()).contains("--fabric-ca"));
            // Without TLS at all the server refuses.
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of(server.url()), "t"))
                    .isInstanceOf(AtollException.class).hasMessageContaining("requires TLS");
        }
    }

    @Test
    void theServerCertificateMustNameTheHostDialled() throws Exception {
        Path[] other = certs.issue("elsewhere", "subjectAltName=DNS:elsewhere.example");
        try (NatsServer server = NatsServer.start("--tls", "--tlscert", other[0].toString(), "--tlskey", other[1].toString())) {
            // Signed by the trusted CA, but for another host: refused.
            assertThatThrownBy(() -> NatsConnect.open(
                    FabricOptions.of("tls://127.0.0.1:" + server.port()).withTrustedCa(certs.ca), "t"))
                    .isInstanceOf(AtollException.class).hasMessageContaining("TLS handshake")
                    .hasMessageContaining("not for 127.0.0.1");
        }
        X509Certificate server = PemTls.certificates(certs.serverCert).get(0);
        PemTls.checkHost(server, "127.0.0.1");
        PemTls.checkHost(server, "LOCALHOST");
        assertThatThrownBy(() -> PemTls.checkHost(server, "127.0.0.2")).isInstanceOf(CertificateException.class);
        assertThatThrownBy(() -> PemTls.checkHost(server, "other")).isInstanceOf(CertificateException.class);
    }

    @Test
    void mutualTls() throws Exception {
        try (NatsServer server = tlsServer("--tlsverify", "--tlscacert", certs.ca.toString())) {
            FabricOptions trusting = FabricOptions.of("tls://127.0.0.1:" + server.port()).withTrustedCa(certs.ca);
            try (Connection nc = NatsConnect.open(trusting.withClientCertificate(certs.clientCert, certs.clientKey), "t")) {
                ConnectTest.assertUsable(nc);
            }
            // No client certificate: the server ends the handshake (or the connection right after it).
            assertThatThrownBy(() -> NatsConnect.open(trusting, "t")).isInstanceOf(AtollException.class)
                    .hasMessageContaining("over TLS")
                    .satisfies(e -> assertThat(((AtollException) e).hint()).contains("client certificate"));
        }
    }

    /** The traditional openssl key formats load, and to the same key as their PKCS#8 form. */
    @Test
    void privateKeysInEveryCommonPemFormat() throws Exception {
        certs.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa-pkcs8.pem");
        certs.openssl("pkey", "-in", "rsa-pkcs8.pem", "-traditional", "-out", "rsa-pkcs1.pem");
        certs.openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec-sec1.pem");
        certs.openssl("pkey", "-in", "ec-sec1.pem", "-out", "ec-pkcs8.pem");
        certs.openssl("genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem");

        assertThat(Files.readString(dir.resolve("rsa-pkcs1.pem"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(dir.resolve("ec-sec1.pem"))).contains("BEGIN EC PRIVATE KEY");
        PrivateKey rsa = PemTls.privateKey(dir.resolve("rsa-pkcs8.pem"));
        assertThat(PemTls.privateKey(dir.resolve("rsa-pkcs1.pem"))).isEqualTo(rsa);
        PrivateKey ec = PemTls.privateKey(dir.resolve("ec-pkcs8.pem"));
        assertThat(ec.getAlgorithm()).isEqualTo("EC");
        // SEC1 keeps the curve inside the key too, so compare the key itself, not the encoding.
        ECPrivateKey fromSec1 = (ECPrivateKey) PemTls.privateKey(dir.resolve("ec-sec1.pem"));
        assertThat(fromSec1.getS()).isEqualTo(((ECPrivateKey) ec).getS());
        assertThat(fromSec1.getParams().getCurve()).isEqualTo(((ECPrivateKey) ec).getParams().getCurve());
        assertThat(PemTls.privateKey(dir.resolve("ed25519.pem")).getAlgorithm()).isIn("Ed25519", "EdDSA");
    }

    @Test
    void badTlsFilesAreNamedWithAHint() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        Path damaged = Files.writeString(dir.resolve("damaged.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        certs.openssl("pkey", "-in", "client-key.pem", "-aes128", "-passout", "pass:x", "-out", "encrypted-key.pem");
        Path encrypted = dir.resolve("encrypted-key.pem");

        for (Path ca : new Path[] {missing, garbage, damaged}) {
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of("tls://127.0.0.1:1").withTrustedCa(ca), "t"))
                    .isInstanceOf(AtollException.class).hasMessageContaining(ca.toString())
                    .satisfies(e -> assertThat(((AtollException) e).hint()).isNotBlank());
        }
        for (Path key : new Path[] {missing, certs.clientCert, encrypted}) {
            assertThatThrownBy(() -> NatsConnect.open(FabricOptions.of("tls://127.0.0.1:1").withTrustedCa(certs.ca)
                    .withClientCertificate(certs.clientCert, key), "t"))
                    .isInstanceOf(AtollException.class).hasMessageContaining(key.toString())
                    .satisfies(e -> assertThat(((AtollException) e).hint()).isNotBlank());
        }
    }
}
