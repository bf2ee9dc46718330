package io.atoll.fabric;

import io.atoll.abi.AtollException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the client {@link SSLContext} from PEM files. jnats takes only JKS/PKCS#12 key stores or a
 * ready context, while NATS deployments hand out PEM (nats-server itself reads PEM), so we parse PEM
 * here with the JDK's own APIs.
 *
 * <p>The trust manager also checks that the server certificate names the host we dialled
 * (subjectAltName DNS or IP entry): jnats does not turn on the JDK's endpoint identification, so
 * without this any certificate from a trusted CA would be accepted for any server.
 */
final class PemTls {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final char[] NO_PASSWORD = new char[0];
    private static final String PEM_HINT = "give a PEM file (-----BEGIN CERTIFICATE----- ...)";

    private PemTls() {
    }

    /** The context for {@code options}, or null if it asks for no TLS. */
    static SSLContext context(FabricOptions options) {
        if (!options.tls()) {
            return null;
        }
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(options.tlsCa() == null ? null : trustStore(options.tlsCa()));
            X509TrustManager jdk = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    jdk = x;
                }
            }
            KeyManager[] keys = null;
            if (options.tlsCert() != null) {
                KeyStore ks = emptyStore();
                ks.setKeyEntry("client", privateKey(options.tlsKey()), NO_PASSWORD,
                        certificates(options.tlsCert()).toArray(X509Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, NO_PASSWORD);
                keys = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, new TrustManager[] {new HostChecking(jdk)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new AtollException("cannot set up TLS for the fabric: " + e.getMessage(),
                    "check the --fabric-ca / client certificate files", e);
        }
    }

    private static KeyStore trustStore(Path caFile) throws GeneralSecurityException {
        KeyStore ks = emptyStore();
        int i = 0;
        for (X509Certificate c : certificates(caFile)) {
            ks.setCertificateEntry("ca-" + i++, c);
        }
        return ks;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return ks;
    }

    /** Every CERTIFICATE block of a PEM file, in order (a chain: leaf first). */
    static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw bad(file, "not a valid PEM certificate: " + e.getMessage(), PEM_HINT);
        }
        if (out.isEmpty()) {
            throw bad(file, "holds no PEM certificate", PEM_HINT);
        }
        return out;
    }

    /** The one private key of a PEM file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted. */
    static PrivateKey privateKey(Path file) {
        for (Block b : blocks(file)) {
            if (b.type().equals("ENCRYPTED PRIVATE KEY")) {
                throw bad(file, "holds an encrypted private key", "decrypt it: openssl pkey -in " + file + " -out key.pem");
            }
            byte[] pkcs8;
            try {
                pkcs8 = switch (b.type()) {
                    case "PRIVATE KEY" -> b.der();
                    case "RSA PRIVATE KEY" -> Der.pkcs8(Der.RSA_ENCRYPTION, Der.NULL, b.der());
                    case "EC PRIVATE KEY" -> Der.pkcs8(Der.EC_PUBLIC_KEY, Der.sec1Curve(b.der()), b.der());
                    default -> null;
                };
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw bad(file, "has a malformed " + b.type() + " (" + e.getMessage() + ")",
                        "rewrite it as PKCS#8: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
            }
            if (pkcs8 == null) {
                continue;
            }
            for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
                try {
                    return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException | RuntimeException e) {
                    // not this algorithm: try the next
                }
            }
            throw bad(file, "holds a private key of an unsupported kind", "use an RSA, EC or Ed25519 key");
        }
        throw bad(file, "holds no PEM private key", "give a PEM file (-----BEGIN PRIVATE KEY----- ...)");
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw bad(file, "cannot be read (" + e + ")", "check the path and its permissions");
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(2).contains("Proc-Type:")) {
                throw bad(file, "holds an encrypted " + m.group(1), "decrypt it: openssl pkey -in " + file + " -out key.pem");
            }
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2).strip())));
            } catch (IllegalArgumentException e) {
                throw bad(file, "has a damaged " + m.group(1) + " block (" + e.getMessage() + ")", PEM_HINT);
            }
        }
        return out;
    }

    private static AtollException bad(Path file, String what, String hint) {
        return new AtollException("fabric TLS file " + file + " " + what, hint);
    }

    /**
     * The minimum of DER needed to turn the traditional openssl key formats into PKCS#8, which is all
     * the JDK's key factories read.
     */
    static final class Der {
        static final byte[] RSA_ENCRYPTION = oid(1, 2, 840, 113549, 1, 1, 1);
        static final byte[] EC_PUBLIC_KEY = oid(1, 2, 840, 10045, 2, 1);
        static final byte[] NULL = {0x05, 0x00};

        private Der() {
        }

        /** PrivateKeyInfo: SEQUENCE { INTEGER 0, SEQUENCE { algorithm, parameters }, OCTET STRING key }. */
        static byte[] pkcs8(byte[] algorithm, byte[] parameters, byte[] key) {
            return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, tlv(0x30, concat(algorithm, parameters)), tlv(0x04, key)));
        }

        /** The curve OID (a whole TLV) in the [0] field of a SEC1 ECPrivateKey. */
        static byte[] sec1Curve(byte[] sec1) {
            int[] pos = {0};
            expect(sec1, pos, 0x30);
            length(sec1, pos); // enter the SEQUENCE
            skip(sec1, pos, 0x02); // version
            skip(sec1, pos, 0x04); // the private key
            if (pos[0] < sec1.length && (sec1[pos[0]] & 0xff) == 0xa0) {
                pos[0]++;
                int len = length(sec1, pos);
                byte[] curve = new byte[len];
                System.arraycopy(sec1, pos[0], curve, 0, len);
                return curve;
            }
            throw new IllegalArgumentException("the EC key does not name its curve");
        }

        private static void expect(byte[] der, int[] pos, int tag) {
            if (pos[0] >= der.length || (der[pos[0]] & 0xff) != tag) {
                throw new IllegalArgumentException("malformed DER at byte " + pos[0]);
            }
            pos[0]++;
        }

        private static void skip(byte[] der, int[] pos, int tag) {
            expect(der, pos, tag);
            int len = length(der, pos);
            pos[0] += len;
        }

        private static int length(byte[] der, int[] pos) {
            int first = der[pos[0]++] & 0xff;
            if (first < 0x80) {
                return first;
            }
            int len = 0;
            for (int i = 0; i < (first & 0x7f); i++) {
                len = (len << 8) | (der[pos[0]++] & 0xff);
            }
            return len;
        }

        static byte[] tlv(int tag, byte[] value) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
            out.write(tag);
            int n = value.length;
            if (n < 0x80) {
                out.write(n);
            } else {
                int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
                out.write(0x80 | bytes);
                for (int i = bytes - 1; i >= 0; i--) {
                    out.write(n >>> (8 * i));
                }
            }
            out.writeBytes(value);
            return out.toByteArray();
        }

        static byte[] oid(int... arcs) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(arcs[0] * 40 + arcs[1]);
            for (int i = 2; i < arcs.length; i++) {
                int v = arcs[i];
                int groups = 1;
                for (int t = v >>> 7; t != 0; t >>>= 7) {
                    groups++;
                }
                for (int g = groups - 1; g >= 0; g--) {
                    out.write(((v >>> (7 * g)) & 0x7f) | (g == 0 ? 0 : 0x80));
                }
            }
            return tlv(0x06, out.toByteArray());
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] p : parts) {
                out.writeBytes(p);
            }
            return out.toByteArray();
        }
    }

    /** The JDK's chain validation, then a check that the certificate is for the host we dialled. */
    static final class HostChecking extends X509ExtendedTrustManager {
        private final X509TrustManager jdk;

        HostChecking(X509TrustManager jdk) {
            this.jdk = jdk;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            if (jdk instanceof X509ExtendedTrustManager x) {
                x.checkServerTrusted(chain, authType, socket);
            } else {
                jdk.checkServerTrusted(chain, authType);
            }
            if (socket instanceof SSLSocket s && s.getHandshakeSession() != null) {
                checkHost(chain[0], s.getHandshakeSession().getPeerHost());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            if (jdk instanceof X509ExtendedTrustManager x) {
                x.checkServerTrusted(chain, authType, engine);
            } else {
                jdk.checkServerTrusted(chain, authType);
            }
            if (engine != null) {
                checkHost(chain[0], engine.getPeerHost());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkServerTrusted(chain, authType); // no connection to take a host from
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }
    }

    /**
     * RFC 6125 in brief: an IP address must equal an IP subjectAltName; a DNS name must equal a DNS
     * subjectAltName, case-insensitively, where a leading {@code *.} matches exactly one label. The
     * subject's CN is not consulted (it is not meant to carry host names).
     */
    static void checkHost(X509Certificate cert, String host) throws CertificateException {
        if (host == null || host.isEmpty()) {
            throw new CertificateException("no host name to check the server certificate against");
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean ip = IPV4.matcher(h).matches() || h.contains(":");
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        List<String> seen = new ArrayList<>();
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                String value = String.valueOf(san.get(1));
                seen.add(value);
                if (ip && type == 7 && sameAddress(value, h)) {
                    return;
                }
                if (!ip && type == 2 && dnsMatches(value, h)) {
                    return;
                }
            }
        }
        throw new CertificateException("the server certificate is not for " + h + " (it names " + seen
                + "); connect by a name the certificate lists");
    }

    private static boolean sameAddress(String a, String b) {
        try {
            // Both are literals here, so this parses without any DNS look-up.
            return java.net.InetAddress.getByName(a).equals(java.net.InetAddress.getByName(b));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean dnsMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String n = host.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            int dot = n.indexOf('.');
            return dot > 0 && n.substring(dot).equals(p.substring(1));
        }
        return p.equals(n);
    }
}
