package io.atoll.runtime.cluster;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atoll.abi.AtollException;
import java.io.IOException;
import java.util.Map;

/**
 * A deployed application as a node records it (in its data directory) and as the cluster shares
 * it: the manifest as written, the file it came from (for error messages), and each module field
 * resolved to {@code sha256:<hex>}. JSON {@code {"manifest":..,"file":..,"modules":{..}}}.
 */
public record AppRecord(String app, String manifest, String file, Map<String, String> modules) {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public AppRecord {
        modules = Map.copyOf(modules);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static AppRecord fromJson(byte[] json) {
        try {
            return JSON.readValue(json, AppRecord.class);
        } catch (IOException e) {
            throw new AtollException("malformed application record: " + e.getMessage(), null, e);
        }
    }
}
