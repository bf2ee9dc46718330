package io.atoll.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atoll.abi.AtollException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The CLI's client of a node's management API ({@code /api/v1}, docs/api.md). Every failure
 * becomes an {@link AtollException} with a hint: API errors {@code {"error","hint"}}, a node that
 * is not there, a token that is missing.
 */
public final class NodeClient {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final String TOKEN_HINT =
            "pass --token TOKEN or set ATOLL_TOKEN (the token is in <data dir>/token on the node)";

    private final String baseUrl;
    private final String token;
    private final HttpClient http;

    /** A response the caller handles itself (2xx only; errors are thrown). */
    public record Response(int status, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public NodeClient(String baseUrl, String token) {
        this.baseUrl = normalize(baseUrl);
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** The node's address without a trailing slash, e.g. {@code http://127.0.0.1:8080}. */
    public String baseUrl() {
        return baseUrl;
    }

    public JsonNode getJson(String path) {
        return json(send(request(path, DEFAULT_TIMEOUT).GET(), DEFAULT_TIMEOUT));
    }

    public JsonNode putBytes(String path, byte[] body) {
        HttpRequest.Builder b = request(path, DEFAULT_TIMEOUT)
                .header("Content-Type", "application/wasm")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        return json(send(b, DEFAULT_TIMEOUT));
    }

    public JsonNode postJson(String path, JsonNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new AtollException("cannot encode the request: " + e.getMessage(), null, e);
        }
        HttpRequest.Builder b = request(path, DEFAULT_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        return json(send(b, DEFAULT_TIMEOUT));
    }

    public Response post(String path, byte[] body, Duration timeout) {
        HttpRequest.Builder b = request(path, timeout)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return send(b, timeout);
    }

    public Response delete(String path) {
        return send(request(path, DEFAULT_TIMEOUT).DELETE(), DEFAULT_TIMEOUT);
    }

    /** {@code path?k1=v1&k2=v2} with the values URL-encoded; null values are left out. */
    public static String query(String path, Map<String, ?> params) {
        StringJoiner q = new StringJoiner("&");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
            }
        });
        return q.length() == 0 ? path : path + "?" + q;
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private Response send(HttpRequest.Builder builder, Duration timeout) {
        HttpRequest request = builder.build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new AtollException("no Atoll node at " + baseUrl,
                    "start one with ./atoll node start, or pass --node URL", e);
        } catch (HttpTimeoutException e) {
            throw new AtollException("the node at " + baseUrl + " did not answer within " + seconds(timeout),
                    "check that it is running and not overloaded (./atoll ps), or pass --node URL", e);
        } catch (IOException e) {
            throw new AtollException("cannot talk to " + baseUrl + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()),
                    "is an Atoll node listening there? start one with ./atoll node start, or pass --node URL", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtollException("interrupted while waiting for " + baseUrl, null, e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Response(status, response.body());
        }
        throw apiError(status, response.body(), request.method() + " " + request.uri().getRawPath());
    }

    /** The AtollException for a non-2xx answer: the API's {"error","hint"}, or a description. */
    static AtollException apiError(int status, byte[] body, String what) {
        String error = null;
        String hint = null;
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.isObject() && node.hasNonNull("error")) {
                error = node.get("error").asText();
                hint = node.hasNonNull("hint") ? node.get("hint").asText() : null;
            }
        } catch (IOException notJson) {
            // described below
        }
        if (error == null) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            if (text.length() > 200) {
                text = text.substring(0, 200) + "...";
            }
            error = what + ": the node answered HTTP " + status + (text.isEmpty() ? "" : " (" + text + ")");
            if (status == 404) {
                hint = "is this an Atoll node, and is it the same version as this CLI (./atoll --version)?";
            }
        }
        if (hint == null && (status == 401 || status == 403)) {
            hint = TOKEN_HINT;
        }
        return new AtollException(error, hint);
    }

    private static JsonNode json(Response r) {
        if (r.body().length == 0) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AtollException("the node's answer is not JSON: " + e.getMessage().lines().findFirst().orElse(""),
                    "is that an Atoll node? pass --node URL", e);
        }
    }

    private static String normalize(String url) {
        String hint = "pass the node's address like --node http://127.0.0.1:8080";
        if (url == null || url.isBlank()) {
            throw new AtollException("no node address given", hint);
        }
        String u = url.strip();
        if (!u.contains("://")) {
            u = "http://" + u;
        }
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            URI uri = new URI(u);
            if (uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getRawQuery() != null) {
                throw new AtollException("not a node address: " + url, hint);
            }
        } catch (URISyntaxException e) {
            throw new AtollException("not a node address: " + url, hint, e);
        }
        return u;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
