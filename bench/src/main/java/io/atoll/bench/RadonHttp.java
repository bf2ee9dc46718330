package io.atoll.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * bench/radon's HTTP/1.1 client connection: one persistent TCP connection (TCP_NODELAY), one
 * request at a time, written in one {@code write}; the answer read with its own buffer (status line,
 * headers, a body by {@code Content-Length}, chunked, or up to the end of the connection). Small and
 * allocation-light on purpose: the load generator shares the machine's cores with the servers it
 * measures. Not thread-safe: one emulated client owns one connection.
 */
final class RadonHttp implements Closeable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;
    private byte[] body = new byte[256];
    private int bodyLength;
    private boolean mustClose;

    RadonHttp(String host, int port, int timeoutMs) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), Math.max(1000, timeoutMs));
            s.setSoTimeout(timeoutMs);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
    }

    /** Sends one request (head and body already together) and reads the answer; returns its status. */
    int exchange(byte[] request, int length) throws IOException {
        out.write(request, 0, length);
        out.flush();
        return readResponse();
    }

    /** The body of the last answer: {@link #body()} bytes 0 .. {@link #bodyLength()}. */
    byte[] body() {
        return body;
    }

    int bodyLength() {
        return bodyLength;
    }

    boolean bodyEquals(byte[] expected) {
        return bodyLength == expected.length && Arrays.equals(body, 0, bodyLength, expected, 0, expected.length);
    }

    /** The server asked to close the connection (or it has no length): open a new one for the next request. */
    boolean mustClose() {
        return mustClose;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private int readResponse() throws IOException {
        mustClose = false;
        bodyLength = 0;
        int status;
        long contentLength;
        boolean chunked;
        do {
            String statusLine = readLine();
            // HTTP/1.1 200 OK
            if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + abbreviate(statusLine));
            }
            status = parseStatus(statusLine);
            if (statusLine.startsWith("HTTP/1.0")) {
                mustClose = true;
            }
            contentLength = -1;
            chunked = false;
            String line;
            while (!(line = readLine()).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String value = line.substring(colon + 1).trim();
                if (headerIs(line, colon, "content-length")) {
                    contentLength = Long.parseLong(value);
                } else if (headerIs(line, colon, "transfer-encoding")) {
                    chunked = value.toLowerCase().contains("chunked");
                } else if (headerIs(line, colon, "connection")) {
                    String v = value.toLowerCase();
                    if (v.contains("close")) {
                        mustClose = true;
                    } else if (v.contains("keep-alive")) {
                        mustClose = false;
                    }
                }
            }
        } while (status >= 100 && status < 200); // 100 Continue and friends: the real answer follows
        if (chunked) {
            readChunked();
        } else if (contentLength >= 0) {
            readBody(contentLength);
        } else if (status != 204 && status != 304) {
            // no length: the body runs to the end of the connection
            readToEnd();
            mustClose = true;
        }
        return status;
    }

    private static boolean headerIs(String line, int colon, String name) {
        return colon == name.length() && line.regionMatches(true, 0, name, 0, colon);
    }

    private static int parseStatus(String line) throws IOException {
        int s = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new IOException("bad status line: " + abbreviate(line));
            }
            s = s * 10 + (c - '0');
        }
        return s;
    }

    private void readBody(long n) throws IOException {
        if (n > 64L * 1024 * 1024) {
            throw new IOException("answer too large: " + n + " bytes");
        }
        int len = (int) n;
        ensureBody(len);
        int got = 0;
        while (got < len) {
            if (pos == lim && !fill()) {
                throw new EOFException("connection closed in the body");
            }
            int k = Math.min(len - got, lim - pos);
            System.arraycopy(buf, pos, body, bodyLength + got, k);
            pos += k;
            got += k;
        }
        bodyLength += len;
    }

    private void readChunked() throws IOException {
        while (true) {
            String sizeLine = readLine();
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers
                }
                return;
            }
            readBody(size);
            readLine(); // the CRLF after the chunk
        }
    }

    private void readToEnd() throws IOException {
        while (true) {
            if (pos == lim && !fill()) {
                return;
            }
            int k = lim - pos;
            ensureBody(k);
            System.arraycopy(buf, pos, body, bodyLength, k);
            bodyLength += k;
            pos = lim;
        }
    }

    private void ensureBody(int more) {
        int need = bodyLength + more;
        if (need > body.length) {
            body = Arrays.copyOf(body, Math.max(need, body.length * 2));
        }
    }

    private String readLine() throws IOException {
        int start = pos;
        StringBuilder spill = null;
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    int end = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                    String s = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    if (spill != null) {
                        if (s.isEmpty() && spill.length() > 0 && spill.charAt(spill.length() - 1) == '\r') {
                            spill.setLength(spill.length() - 1);
                        }
                        return spill.append(s).toString();
                    }
                    return s;
                }
            }
            // no end of line in the buffer: keep what we have and read more
            if (spill == null) {
                spill = new StringBuilder();
            }
            spill.append(new String(buf, start, lim - start, StandardCharsets.ISO_8859_1));
            if (spill.length() > 64 * 1024) {
                throw new IOException("header line too long");
            }
            pos = lim;
            if (!fill()) {
                throw new EOFException(spill.length() == 0 ? "connection closed" : "connection closed in a header");
            }
            start = pos;
        }
    }

    private boolean fill() throws IOException {
        pos = 0;
        lim = 0;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        lim = n;
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
