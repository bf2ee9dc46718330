package io.atoll.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * tour.wasm checks the whole SDK against its host; here the host is {@link FakeHost}, playing the
 * runtime: routing sends to itself, to a spawned echo helper and to nowhere.
 */
class TourAtomTest {

    @Test
    void everySdkCallWorksInsideWasm() {
        FakeHost host = new FakeHost("tour/tour/0");
        host.instantiate("tour");
        host.sendResult = s -> {
            if ((s.flags() & 0x2) != 0) {
                return -1;                                   // alias nobody holds
            }
            if (s.to().equals(host.selfName)) {              // to itself: into its own mailbox
                host.mailbox.add(FakeHost.envelope(0, s.flags(), s.correlation(), host.selfName, host.selfName, s.data()));
                return 1;
            }
            if (s.to().startsWith("tour/helper/") && host.instances.contains(s.to())) {   // the echo helper
                host.mailbox.add(FakeHost.envelope(0, 0, s.correlation(), s.to(), s.to(), s.data()));
                return 1;
            }
            if (s.to().startsWith("_reply/")) {
                return 1;
            }
            return -1;                                       // ENOTFOUND
        };
        assertThat(host.startUp()).isEqualTo(1);

        assertThat(host.deliver(FakeHost.httpRequest("GET", "/tour", Map.of(), "", "_reply/1", 9))).isZero();

        FakeHost.Sent answer = host.lastSent();
        assertThat(answer.to()).isEqualTo("_reply/1");
        FakeHost.HttpAnswer http = FakeHost.decodeHttpResponse(answer.data());
        assertThat(http.body()).as(http.body()).endsWith("passed 11/11\n").doesNotContain("FAIL");
        assertThat(http.status()).isEqualTo(200);
        assertThat(http.body()).contains("ok   spawn + request/reply: tour/helper/r1 answered ping");
        assertThat(http.body()).contains("ok   fifo to self: n0n1n2");
        // the message request() set aside was handed to the handler after the tour returned
        assertThat(host.log).contains("info set-aside message handled: aside");
        assertThat(host.log).contains("trace tour log line at TRACE", "error tour log line at ERROR");
        assertThat(host.kv).containsOnlyKeys("tour/b", "tour/c", "tours");
        assertThat(host.teavmLog).isEmpty();
    }
}
