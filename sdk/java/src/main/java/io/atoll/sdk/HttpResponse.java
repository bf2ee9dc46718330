package io.atoll.sdk;

import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP response to send with {@link Message#reply(HttpResponse)} (docs/abi.md §5).
 *
 * <pre>{@code
 * msg.reply(HttpResponse.text(404, "no such item\n"));
 * msg.reply(HttpResponse.status(201).header("location", "/items/7").body("created"));
 * }</pre>
 */
public final class HttpResponse {
    private final int status;
    private final List<String[]> headers = new ArrayList<>();
    private byte[] body = Codec.EMPTY;

    private HttpResponse(int status) {
        this.status = status;
    }

    /** A response with that status, no headers and an empty body. */
    public static HttpResponse status(int status) {
        return new HttpResponse(status);
    }

    /** {@code 200} with that body and {@code content-type: application/octet-stream}. */
    public static HttpResponse ok(byte[] body) {
        return status(200).header("content-type", "application/octet-stream").body(body);
    }

    /** That status with a UTF-8 text body and {@code content-type: text/plain; charset=utf-8}. */
    public static HttpResponse text(int status, String text) {
        return status(status).header("content-type", "text/plain; charset=utf-8").body(text);
    }

    /** That status with a JSON body (given as text) and {@code content-type: application/json}. */
    public static HttpResponse json(int status, String json) {
        return status(status).header("content-type", "application/json").body(json);
    }

    /** Adds a header (the name is sent in lower case). */
    public HttpResponse header(String name, String value) {
        headers.add(new String[] {name.toLowerCase(), value});
        return this;
    }

    public HttpResponse body(byte[] body) {
        this.body = body == null ? Codec.EMPTY : body;
        return this;
    }

    public HttpResponse body(String text) {
        return body(Codec.utf8(text));
    }

    public int status() {
        return status;
    }

    public byte[] body() {
        return body;
    }

    /** The first value of a header, or {@code null}. */
    public String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /** The ABI encoding: u32 status, u32 header count, (u32 len + name, u32 len + value)*, u32 len + body. */
    byte[] encode() {
        Codec.Writer w = new Codec.Writer(32 + body.length).u32(status).u32(headers.size());
        for (String[] h : headers) {
            w.string(h[0]).string(h[1]);
        }
        return w.bytes(body).toByteArray();
    }

    @Override
    public String toString() {
        return "HTTP " + status + " (" + body.length + " bytes)";
    }
}
