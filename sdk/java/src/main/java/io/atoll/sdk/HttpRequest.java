package io.atoll.sdk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An HTTP request that reached the atom through the node's ingress (docs/abi.md §5). Answer it
 * with {@link Message#reply(byte[])} (a {@code 200}) or {@link Message#reply(HttpResponse)}.
 */
public final class HttpRequest {
    private final String method;
    private final String path;
    private final List<String[]> headers;
    private final byte[] body;

    HttpRequest(String method, String path, List<String[]> headers, byte[] body) {
        this.method = method;
        this.path = path;
        this.headers = headers;
        this.body = body;
    }

    static HttpRequest decode(byte[] payload) {
        Codec.Reader r = new Codec.Reader(payload);
        String method = r.string();
        String path = r.string();
        int count = r.length();
        List<String[]> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = r.string();
            String value = r.string();
            headers.add(new String[] {name, value});
        }
        byte[] body = r.bytes();
        return new HttpRequest(method, path, headers, body);
    }

    /** The body of an encoded request, skipping the other fields without decoding them. */
    static byte[] bodyOf(byte[] payload) {
        Codec.Reader r = new Codec.Reader(payload);
        r.skip(); // method
        r.skip(); // path
        int count = r.length();
        for (int i = 0; i < 2 * count; i++) {
            r.skip(); // header names and values
        }
        return r.bytes();
    }

    /** Encodes a request (for tests and tools). */
    byte[] encode() {
        Codec.Writer w = new Codec.Writer(64 + body.length).string(method).string(path).u32(headers.size());
        for (String[] h : headers) {
            w.string(h[0]).string(h[1]);
        }
        return w.bytes(body).toByteArray();
    }

    /** {@code GET}, {@code POST}, ... */
    public String method() {
        return method;
    }

    /** The path below {@code /apps/<app>}, with the query string: {@code /echo?x=1}. */
    public String path() {
        return path;
    }

    /** The path without the query string. */
    public String pathOnly() {
        int q = path.indexOf('?');
        return q < 0 ? path : path.substring(0, q);
    }

    /** The query string without {@code ?}, or {@code ""}. */
    public String query() {
        int q = path.indexOf('?');
        return q < 0 ? "" : path.substring(q + 1);
    }

    /** The first value of a query parameter (not URL-decoded), or {@code null}. */
    public String queryParam(String name) {
        String q = query();
        int start = 0;
        while (start <= q.length()) {
            int amp = q.indexOf('&', start);
            int end = amp < 0 ? q.length() : amp;
            int eq = q.indexOf('=', start);
            int keyEnd = eq < 0 || eq > end ? end : eq;
            if (keyEnd - start == name.length() && q.startsWith(name, start)) {
                return keyEnd == end ? "" : q.substring(keyEnd + 1, end);
            }
            start = end + 1;
        }
        return null;
    }

    /** The first value of a header (names are matched case-insensitively), or {@code null}. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** Every value of a header, in order. */
    public List<String> headerValues(String name) {
        List<String> out = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                out.add(h[1]);
            }
        }
        return out;
    }

    /** All headers as {@code {name, value}} pairs, names in lower case, in order. */
    public List<String[]> headers() {
        return Collections.unmodifiableList(headers);
    }

    public byte[] body() {
        return body;
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return Codec.string(body);
    }

    public boolean isGet() {
        return "GET".equals(method);
    }

    public boolean isPost() {
        return "POST".equals(method);
    }

    @Override
    public String toString() {
        return method + " " + path + " (" + body.length + " bytes)";
    }
}
