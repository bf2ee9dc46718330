package io.atoll.examples.csensor;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasm.types.MemoryLimits;
import io.atoll.testatoms.FakeHost;
import io.atoll.testatoms.FakeHost.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The C sensor atom on the fake host of atoll-test-atoms. */
class SensorAtomTest {
    private static byte[] wasm() throws IOException {
        try (InputStream in = SensorAtomTest.class.getResourceAsStream("/atoll/examples/wasm/sensor.wasm")) {
            assertThat(in).as("sensor.wasm on the classpath").isNotNull();
            return in.readAllBytes();
        }
    }

    private static FakeHost sensor() throws IOException {
        return new FakeHost(wasm(), MemoryLimits.MAX_PAGES);
    }

    @Test
    void importsOnlyAtoll() throws IOException {
        var module = com.dylibso.chicory.wasm.Parser.parse(wasm());
        assertThat(module.importSection().stream().map(i -> i.module()).distinct().toList()).containsExactly("atoll");
    }

    @Test
    void storesReadingsAndComputesStatistics() throws IOException {
        FakeHost host = sensor();
        assertThat(host.http("GET", "/readings", "").body())
                .isEqualTo("{\"count\":0,\"min\":null,\"max\":null,\"average\":null}");

        HttpResponse r = host.http("POST", "/readings", "21.5");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.headers()).containsExactly(Map.entry("content-type", "application/json"));
        assertThat(r.body()).isEqualTo("{\"stored\":21.5,\"count\":1}");
        host.http("POST", "/readings", " 20\n");
        host.http("POST", "/readings", "23");

        r = host.http("GET", "/readings", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsExactly(Map.entry("content-type", "application/json"));
        assertThat(r.body()).isEqualTo("{\"count\":3,\"min\":20,\"max\":23,\"average\":21.5}");
        assertThat(host.http("GET", "/readings/all", "").body()).isEqualTo("[21.5,20,23]");
        assertThat(host.kv).containsKeys("stats", "reading/000000000000", "reading/000000000002");

        // a new instance (a restart) finds the state in storage
        FakeHost restarted = sensor();
        restarted.kv.putAll(host.kv);
        assertThat(restarted.http("GET", "/readings?x=1", "").body())
                .isEqualTo("{\"count\":3,\"min\":20,\"max\":23,\"average\":21.5}");

        r = host.http("DELETE", "/readings", "");
        assertThat(r.body()).isEqualTo("{\"count\":0,\"min\":null,\"max\":null,\"average\":null}");
        assertThat(host.kv).isEmpty();
    }

    @Test
    void refusesBadRequests() throws IOException {
        FakeHost host = sensor();
        HttpResponse r = host.http("POST", "/readings", "warm");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).isEqualTo("{\"error\":\"the body must be a number\"}");
        assertThat(host.http("POST", "/readings", "").status()).isEqualTo(400);
        assertThat(host.http("POST", "/readings", "1e999").status()).isEqualTo(400);

        r = host.http("PUT", "/readings", "1");
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers()).contains(Map.entry("allow", "GET, POST, DELETE"));
        assertThat(host.http("GET", "/nothing", "").status()).isEqualTo(404);
        assertThat(host.kv).isEmpty();
    }

    @Test
    void acceptsPlainMessagesFromOtherAtoms() throws IOException {
        FakeHost host = sensor();
        host.fromAtom("sensor/gateway/0", "-4.25");
        assertThat(host.last().to()).isEqualTo("sensor/gateway/0");
        assertThat(host.last().text()).isEqualTo("ok");
        host.fromAtom("sensor/gateway/0", "stats");
        assertThat(host.last().text()).isEqualTo("{\"count\":1,\"min\":-4.25,\"max\":-4.25,\"average\":-4.25}");
        host.fromAtom("sensor/gateway/0", "hot");
        assertThat(host.last().text()).isEqualTo("error: not a number");
    }
}
