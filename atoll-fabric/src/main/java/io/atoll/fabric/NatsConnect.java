package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the one NATS connection a fabric component uses, with Atoll's choices in one place.
 * Later components (directory, remote delivery) will share a connection opened here.
 */
final class NatsConnect {
    private static final Logger LOG = LoggerFactory.getLogger(NatsConnect.class);

    /** Bounds {@link io.atoll.fabric.Membership#join}: an unreachable fabric fails this fast. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private NatsConnect() {
    }

    /**
     * Connects once (no retry loop at start: a wrong --fabric should fail fast and say so); once
     * connected, reconnects forever because a node must outlive a restart of its nats-server.
     */
    static Connection open(String url, String clientName) {
        Options options;
        try {
            options = Options.builder()
                    .server(url)
                    .connectionName(clientName)
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .maxReconnects(-1)
                    // Short: the heartbeat gap while reconnecting counts against downAfter.
                    .reconnectWait(Duration.ofMillis(250))
                    // Requests to subjects nobody listens on fail at once instead of timing out;
                    // Membership's name check relies on it.
                    .reportNoResponders()
                    .connectionListener(NatsConnect::onConnectionEvent)
                    .errorListener(new LoggingErrorListener())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new AtollException("bad fabric URL " + url + ": " + e.getMessage(),
                    "use --fabric nats://HOST:PORT", e);
        }
        try {
            return Nats.connect(options);
        } catch (IOException e) {
            throw unreachable(url, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(url, e);
        }
    }

    private static AtollException unreachable(String url, Exception e) {
        return new AtollException("cannot reach the fabric at " + url + ": " + e.getMessage(),
                "start nats-server or check --fabric", e);
    }

    private static void onConnectionEvent(Connection conn, ConnectionListener.Events event) {
        switch (event) {
            case DISCONNECTED -> LOG.warn("fabric connection lost; reconnecting");
            case RECONNECTED -> LOG.info("fabric connection re-established to {}", conn.getConnectedUrl());
            default -> LOG.debug("fabric connection {}", event);
        }
    }

    /** jnats reports asynchronous errors here; without it they would go to its own console output. */
    private static final class LoggingErrorListener implements ErrorListener {
        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.warn("fabric error: {}", error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.warn("fabric exception: {}", exp.toString());
        }
    }
}
