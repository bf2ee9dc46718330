package io.atoll.cli.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy standing for the network between two zones: the edge server's leaf remote
 * dials it, it dials the hub's leafnode port. {@link #cut} closes every proxied connection and
 * from then on closes each new one at once (the edge sees its dial succeed and the link drop, as
 * with a connection reset); {@link #restore} lets new connections through again. Neither server
 * is touched.
 */
public final class LinkProxy implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 2_000;

    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile int targetPort;
    private volatile boolean cut;
    private volatile boolean closed;

    LinkProxy() {
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon().name("link-proxy-accept-" + port()).start(this::acceptLoop);
    }

    /** The port the edge dials. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Where connections go: the hub's leafnode port (set once the hub has started). */
    void target(int port) {
        this.targetPort = port;
    }

    /** Closes all proxied connections and refuses new ones until {@link #restore}. */
    public void cut() {
        cut = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    public void restore() {
        cut = false;
    }

    public boolean isCut() {
        return cut;
    }

    /** Connections let through so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections closed at once because the link was cut. */
    public int refused() {
        return refused.get();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        cut();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut || targetPort == 0) {
                refused.incrementAndGet();
                closeQuietly(in);
                continue;
            }
            Thread.ofVirtual().start(() -> connect(in));
        }
    }

    private void connect(Socket in) {
        Socket out = new Socket();
        try {
            in.setTcpNoDelay(true);
            out.setTcpNoDelay(true);
            out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
            closeQuietly(in);
            closeQuietly(out);
            return;
        }
        open.add(in);
        open.add(out);
        if (cut) { // cut while we were connecting
            open.remove(in);
            open.remove(out);
            closeQuietly(in);
            closeQuietly(out);
            refused.incrementAndGet();
            return;
        }
        accepted.incrementAndGet();
        Thread.ofVirtual().start(() -> pump(in, out));
        Thread.ofVirtual().start(() -> pump(out, in));
    }

    /** Copies one direction; when either side ends, both sockets are closed. */
    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
            int n;
            while ((n = is.read(buf)) >= 0) {
                os.write(buf, 0, n);
                os.flush();
            }
        } catch (IOException e) {
            // reset, or closed by cut(): either way this pair is done
        } finally {
            open.remove(from);
            open.remove(to);
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
