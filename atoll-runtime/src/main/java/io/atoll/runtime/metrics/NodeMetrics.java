package io.atoll.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Supplier;

/**
 * The node's Prometheus metrics. Per-atom meters are tagged by application and definition
 * (instance names of reactive atoms are unbounded, which Prometheus handles badly).
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public NodeMetrics(Supplier<Number> instances) {
        Gauge.builder("atoll_node_instances", instances).description("atom instances on this node").register(registry);
        Runtime rt = Runtime.getRuntime();
        Gauge.builder("atoll_node_heap_used_bytes", () -> rt.totalMemory() - rt.freeMemory()).register(registry);
        Gauge.builder("atoll_node_heap_max_bytes", rt::maxMemory).register(registry);
    }

    /** The meters of one atom definition, registered once (looking them up per event costs). */
    public record AtomMeters(Counter messages, Counter faults, Counter restarts, Timer handler) {}

    public AtomMeters atomMeters(String app, String def) {
        return new AtomMeters(
                counter("atoll_atom_messages_total", "events handled", app, def),
                counter("atoll_atom_faults_total", "traps, timeouts, error exits", app, def),
                counter("atoll_atom_restarts_total", "instances restarted after a fault", app, def),
                Timer.builder("atoll_atom_handler_seconds").description("time to handle one event")
                        .tags("app", app, "atom", def).register(registry));
    }

    private Counter counter(String name, String description, String app, String def) {
        return Counter.builder(name).description(description).tags("app", app, "atom", def).register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
