package io.atoll.runtime.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** JSON bodies and the uniform error shape {@code {"error", "hint"}} of the management API. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {}

    static void send(HttpServerResponse res, int status, Object body) {
        try {
            res.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(io.vertx.core.buffer.Buffer.buffer(MAPPER.writeValueAsBytes(body)));
        } catch (IOException e) {
            res.setStatusCode(500).end();
        }
    }

    static void error(HttpServerResponse res, int status, String error, String hint) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        if (hint != null) {
            body.put("hint", hint);
        }
        send(res, status, body);
    }
}
