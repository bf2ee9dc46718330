package io.atoll.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
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

    public void message(String app, String def) {
        counter("atoll_atom_messages_total", app, def).increment();
    }

    public void fault(String app, String def) {
        counter("atoll_atom_faults_total", app, def).increment();
    }

    public void restart(String app, String def) {
        counter("atoll_atom_restarts_total", app, def).increment();
    }

    public void handled(String app, String def, long nanos) {
        Timer.builder("atoll_atom_handler_seconds").tags("app", app, "atom", def)
                .publishPercentiles(0.5, 0.99).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter counter(String name, String app, String def) {
        return Counter.builder(name).tags("app", app, "atom", def).register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }
}
