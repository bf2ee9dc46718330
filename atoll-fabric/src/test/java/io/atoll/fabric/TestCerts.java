package io.atoll.fabric;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the {@code openssl} command: a CA, a server certificate for 127.0.0.1
 * and localhost, and a client certificate, all signed by the CA. Tests skip (with a reason) when
 * openssl is missing.
 */
final class TestCerts {
    final Path dir;
    final Path ca;
    final Path serverCert;
    final Path serverKey;
    final Path clientCert;
    final Path clientKey;

    private TestCerts(Path dir) {
        this.dir = dir;
        this.ca = dir.resolve("ca.pem");
        this.serverCert = dir.resolve("server.pem");
        this.serverKey = dir.resolve("server-key.pem");
        this.clientCert = dir.resolve("client.pem");
        this.clientKey = dir.resolve("client-key.pem");
    }

    static boolean opensslAvailable() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static TestCerts create(Path dir) throws IOException {
        TestCerts c = new TestCerts(dir);
        c.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=atoll-test-ca");
        c.issue("server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
        c.issue("client", "extendedKeyUsage=clientAuth");
        return c;
    }

    /** A key and a certificate signed by the CA; {@code ext} goes into the certificate. */
    Path[] issue(String name, String ext) throws IOException {
        Files.writeString(dir.resolve(name + ".ext"), ext + "\n");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + "-key.pem", "-out", name + ".csr", "-subj", "/CN=" + name);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                "-CAcreateserial", "-days", "2", "-out", name + ".pem", "-extfile", name + ".ext");
        return new Path[] {dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem")};
    }

    /** Runs openssl in the PKI's directory; fails with its output if it fails. */
    void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        if (run(dir, cmd.toArray(String[]::new)) != 0) {
            throw new IOException("openssl failed: " + String.join(" ", cmd) + "\n"
                    + Files.readString(dir.resolve("openssl.log")));
        }
    }

    private static int run(Path dir, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl did not finish: " + String.join(" ", cmd));
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(e);
        }
    }
}
