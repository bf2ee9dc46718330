package io.atoll.runtime;

import io.atoll.abi.AtollException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Downloads modules named by URL in a manifest ({@code module: https://host/x.wasm}). */
final class ModuleFetcher {
    /** Larger than any sensible atom; stops a wrong URL from filling the disk. */
    static final long MAX_BYTES = 256L << 20;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();

    private ModuleFetcher() {}

    static boolean isUrl(String ref) {
        return ref.startsWith("http://") || ref.startsWith("https://");
    }

    static byte[] fetch(String url) {
        try {
            HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    throw new AtollException("module " + url + ": the server answered " + r.statusCode(), "check the URL");
                }
                byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw new AtollException("module " + url + " is larger than " + MAX_BYTES + " bytes", null);
                }
                return bytes;
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new AtollException("module " + url + " cannot be downloaded: " + e.getMessage(), "check the URL and the network");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtollException("module " + url + ": download interrupted");
        }
    }
}
