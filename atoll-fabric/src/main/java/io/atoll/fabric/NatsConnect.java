package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.nats.client.AuthHandler;
import io.nats.client.AuthenticationException;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the one NATS connection a node's fabric components share ({@link NatsMembership},
 * {@link NatsDirectory}, {@link NatsTransport}, {@link NatsModuleStore}, {@link NatsAppCatalog}),
 * with Atoll's choices and error messages in one place. The caller owns the connection and closes
 * it after the components that use it.
 */
public final class NatsConnect {
    private static final Logger LOG = LoggerFactory.getLogger(NatsConnect.class);

    /** Bounds {@link io.atoll.fabric.Membership#join}: an unreachable fabric fails this fast. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private NatsConnect() {
    }

    /** A plain connection to {@code url} (user and password or token may be in the URL). */
    static Connection open(String url, String clientName) {
        return open(FabricOptions.of(url), clientName);
    }

    /**
     * Connects once (no retry loop at start: a wrong --fabric should fail fast and say so); once
     * connected, reconnects forever because a node must outlive a restart of its nats-server.
     *
     * @param clientName shown by the server's monitoring ({@code connz}), e.g. {@code atoll-node-n1}
     * @throws AtollException with a hint if the fabric cannot be reached, refuses the login or the TLS
     *                        handshake, or a credentials/TLS file is missing or malformed (naming it)
     */
    public static Connection open(FabricOptions fabric, String clientName) {
        String where = fabric.redactedUrl();
        LoggingErrorListener errors = new LoggingErrorListener();
        Options.Builder builder;
        try {
            builder = Options.builder()
                    .server(fabric.url())
                    .connectionName(clientName)
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .maxReconnects(-1)
                    // Short: the heartbeat gap while reconnecting counts against downAfter.
                    .reconnectWait(Duration.ofMillis(250))
                    // Requests to subjects nobody listens on fail at once instead of timing out;
                    // Membership's name check and Transport's EUNREACHABLE rely on it.
                    .reportNoResponders()
                    .connectionListener(NatsConnect::onConnectionEvent)
                    .errorListener(errors);
        } catch (IllegalArgumentException e) {
            throw new AtollException("bad fabric URL " + where + ": " + e.getMessage(),
                    "use --fabric nats://HOST:PORT (or tls://HOST:PORT)", e);
        }
        if (fabric.credentials() != null) {
            builder.authHandler(credentials(fabric.credentials()));
        }
        SSLContext tls = PemTls.context(fabric);
        if (tls != null) {
            builder.sslContext(tls);
        }
        Options options;
        try {
            options = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new AtollException("bad fabric options for " + where + ": " + e.getMessage(),
                    "use either a user and password or a token, not both", e);
        }
        try {
            return Nats.connect(options);
        } catch (AuthenticationException e) {
            throw new AtollException("the fabric at " + where + " refused the login: " + e.getMessage(),
                    "check the user and password or token in the URL, or the credentials file", e);
        } catch (IOException e) {
            throw connectFailure(fabric, where, e, errors.firstProblem());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(where, e);
        }
    }

    /**
     * Reads a {@code .creds} file now, so a missing or malformed one is reported by name instead of as
     * an authentication failure later (jnats's own file handler reads it on every connect).
     */
    private static AuthHandler credentials(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AtollException("cannot read the fabric credentials file " + file + ": " + e,
                    "check the path and its permissions");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String hint = "give the .creds file of a NATS user (nsc generate creds), with a JWT and an NKEY SEED block";
        if (!text.contains("NATS USER JWT") || !text.contains("NKEY SEED")) {
            throw new AtollException("fabric credentials file " + file + " is not a NATS .creds file", hint);
        }
        try {
            AuthHandler h = Nats.staticCredentials(bytes);
            if (h.getID() == null || h.getID().length == 0) {
                throw new IllegalArgumentException("no user key");
            }
            return h;
        } catch (RuntimeException e) {
            throw new AtollException("fabric credentials file " + file + " holds no usable nkey seed: " + e.getMessage(),
                    hint, e);
        }
    }

    /**
     * jnats throws a bare "Unable to connect" and reports the real cause (a TLS failure, say) only to
     * the error listener, so the listener's first exception is consulted too.
     */
    private static AtollException connectFailure(FabricOptions fabric, String where, IOException e, Exception reported) {
        String text = String.valueOf(e.getMessage()) + (reported == null ? "" : " / " + reported.getMessage());
        Throwable tls = sslCause(e) != null ? sslCause(e) : sslCause(reported);
        if (tls != null) {
            return new AtollException("TLS handshake with the fabric at " + where + " failed: " + rootMessage(tls),
                    fabric.tlsCa() == null
                            ? "give the CA that signed the server's certificate (--fabric-ca), and connect by a host name it lists"
                            : "check that " + fabric.tlsCa() + " signed the server's certificate and that it lists the host",
                    e);
        }
        if (text.contains("SSL required by server")) {
            return new AtollException("the fabric at " + where + " requires TLS", "use a tls:// URL (and --fabric-ca for a private CA)", e);
        }
        if (text.contains("SSL connection wanted by client")) {
            return new AtollException("the fabric at " + where + " does not offer TLS, but TLS was asked for",
                    "use a nats:// URL without TLS files, or enable TLS on nats-server", e);
        }
        if (text.contains("Authorization Violation") || text.contains("Authentication")) {
            return new AtollException("the fabric at " + where + " refused the login: " + text,
                    "check the user and password or token in the URL, or the credentials file", e);
        }
        if (fabric.tls()) {
            // With TLS 1.3 a server that wants a client certificate drops the connection after the
            // handshake, which the client sees only as a timeout.
            return new AtollException("cannot connect to the fabric at " + where + " over TLS: " + e.getMessage(),
                    fabric.tlsCert() == null
                            ? "check that nats-server runs; if it verifies clients (tls verify), give a client certificate and key"
                            : "check that nats-server runs and that its CA signed the client certificate " + fabric.tlsCert(), e);
        }
        return unreachable(where, e);
    }

    private static Throwable sslCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return c;
            }
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage();
    }

    private static AtollException unreachable(String where, Exception e) {
        return new AtollException("cannot reach the fabric at " + where + ": " + e.getMessage(),
                "start nats-server or check --fabric", e);
    }

    private static void onConnectionEvent(Connection conn, ConnectionListener.Events event) {
        switch (event) {
            case DISCONNECTED -> LOG.warn("fabric connection lost; reconnecting");
            case RECONNECTED -> LOG.info("fabric connection re-established to {}", conn.getConnectedUrl());
            default -> LOG.debug("fabric connection {}", event);
        }
    }

    /**
     * jnats reports asynchronous errors here; without it they would go to its own console output. It
     * also keeps the first exception, which is the cause of a failed connect.
     */
    private static final class LoggingErrorListener implements ErrorListener {
        /** How long a failed connect waits for jnats's callback thread to report why. */
        private static final long REPORT_WAIT_MS = 500;
        private final CompletableFuture<Exception> first = new CompletableFuture<>();

        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("fabric error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            first.complete(exp); // no-op after the first: nothing accumulates on a long-lived connection
            LOG.warn("fabric exception: {}", exp.toString());
        }

        /** The first exception reported, or null if none came (in time). */
        Exception firstProblem() {
            try {
                return first.get(REPORT_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
