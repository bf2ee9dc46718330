package io.atoll.fabric;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The one message of the membership protocol, as JSON on {@link NatsMembership#SUBJECT}: a heartbeat
 * or a leave. Heartbeats and leaves share one subject on purpose: NATS keeps the order of one
 * publisher's messages on one subject, so a leave can never be overtaken by an earlier heartbeat
 * that would bring the node back to life.
 *
 * <p>{@code instance} is random per process: it tells a restarted node from a late message of its
 * previous life, and a node's own echo from a duplicate using its name. The fields are flat (no
 * nested records, {@code startedAt} as epoch millis) so the format needs no Jackson modules and
 * stays readable with {@code nats sub atoll.members.>}.
 */
record Beat(String kind, String instance, String name, String zone, List<String> tags, int cores,
            long memoryBytes, long freeMemoryBytes, int atoms, double load, String address,
            long startedAtMillis) {
    static final String HEARTBEAT = "heartbeat";
    static final String LEAVE = "leave";

    // Unknown fields are ignored so newer nodes can add fields without breaking older ones.
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static Beat of(String kind, String instance, NodeInfo n) {
        return new Beat(kind, instance, n.name(), n.zone(), n.tags(), n.cores(), n.memoryBytes(),
                n.freeMemoryBytes(), n.atoms(), n.load(), n.address(), n.startedAt().toEpochMilli());
    }

    NodeInfo node() {
        return new NodeInfo(name, zone, tags, cores, memoryBytes, freeMemoryBytes, atoms, load, address,
                Instant.ofEpochMilli(startedAtMillis));
    }

    boolean isLeave() {
        return LEAVE.equals(kind);
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a message; throws on garbage (the caller logs and drops it). */
    static Beat fromJson(byte[] data) throws IOException {
        Beat b = JSON.readValue(data, Beat.class);
        if (b.name == null || b.instance == null || b.kind == null) {
            throw new IOException("membership message without kind, name or instance");
        }
        return b;
    }
}
