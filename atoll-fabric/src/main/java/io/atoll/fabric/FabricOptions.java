package io.atoll.fabric;

import java.nio.file.Path;

/**
 * How a node reaches the fabric: where, as whom, and over what TLS. One set per node; see
 * {@link NatsConnect#open(FabricOptions, String)}.
 *
 * <ul>
 *   <li>{@code url}: {@code nats://HOST:PORT}, or {@code tls://HOST:PORT} to require TLS, or several
 *       separated by commas. A user and password ({@code nats://user:pass@HOST:PORT}) or a token
 *       ({@code nats://token@HOST:PORT}) in a single URL are used to log in (jnats does this itself).
 *   <li>{@code credentials}: a NATS {@code .creds} file (user JWT and nkey seed, as written by
 *       {@code nsc}), or null.
 *   <li>{@code tlsCa}: a PEM file of the certificate authorities to trust instead of the JDK's
 *       (for a private CA); giving it also requires TLS. Null: the JDK's trust store, used only when
 *       TLS is asked for by a {@code tls://} URL or a client certificate.
 *   <li>{@code tlsCert}, {@code tlsKey}: a PEM certificate (chain) and its unencrypted PEM private key
 *       (PKCS#8, or PKCS#1 RSA / SEC1 EC as written by older openssl) for mutual TLS; both or neither.
 * </ul>
 * Files are read once, when the connection opens (a missing or malformed one fails there, naming
 * it); reconnects reuse what was read, so a rotated credentials file takes effect at the next start.
 */
public record FabricOptions(String url, Path credentials, Path tlsCa, Path tlsCert, Path tlsKey) {

    public FabricOptions {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("the fabric URL must not be blank");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("a client certificate needs its key and the other way round: got cert "
                    + tlsCert + ", key " + tlsKey);
        }
    }

    /** A plain URL (credentials, if any, inside it). */
    public static FabricOptions of(String url) {
        return new FabricOptions(url, null, null, null, null);
    }

    public FabricOptions withCredentials(Path credsFile) {
        return new FabricOptions(url, credsFile, tlsCa, tlsCert, tlsKey);
    }

    public FabricOptions withTrustedCa(Path caPem) {
        return new FabricOptions(url, credentials, caPem, tlsCert, tlsKey);
    }

    public FabricOptions withClientCertificate(Path certPem, Path keyPem) {
        return new FabricOptions(url, credentials, tlsCa, certPem, keyPem);
    }

    /** Whether the connection must use TLS. */
    public boolean tls() {
        return tlsCa != null || tlsCert != null || url.contains("tls://");
    }

    /** The URL with any password or token masked, for messages and logs. */
    public String redactedUrl() {
        return redact(url);
    }

    static String redact(String url) {
        return url.replaceAll("://[^@/,]*@", "://***@");
    }
}
