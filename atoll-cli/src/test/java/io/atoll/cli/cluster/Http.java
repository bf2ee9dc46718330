package io.atoll.cli.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GET and POST with a bound on every call (connect 2 s; the whole exchange {@code timeout}). */
public final class Http {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private Http() {
    }

    public static HttpResponse<String> get(String url) throws IOException {
        return get(url, DEFAULT_TIMEOUT);
    }

    public static HttpResponse<String> get(String url, Duration timeout) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build());
    }

    public static HttpResponse<String> post(String url, String body) throws IOException {
        return post(url, body, DEFAULT_TIMEOUT);
    }

    public static HttpResponse<String> post(String url, String body, Duration timeout) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body)).build());
    }

    public static HttpResponse<String> put(String url, String body, Duration timeout) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                .PUT(HttpRequest.BodyPublishers.ofString(body == null ? "" : body)).build());
    }

    private static HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + request.uri(), e);
        }
    }
}
