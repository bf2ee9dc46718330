package io.atoll.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** publisher.wasm and three subscriber.wasm instances sharing one application store. */
class PubSubAtomsTest {

    @Test
    void publishFansOutThroughTheAliasAndSubscribersRecordWhatTheyGot() {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        List<FakeHost> subscribers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            FakeHost sub = new FakeHost("pubsub/subscriber/" + i, kv);
            sub.instantiate("subscriber");
            assertThat(sub.startUp()).isEqualTo(1);
            subscribers.add(sub);
        }
        FakeHost publisher = new FakeHost("pubsub/publisher/0", kv);
        publisher.instantiate("publisher");
        assertThat(publisher.startUp()).isEqualTo(1);
        // The fake runtime delivers alias sends to every subscriber, like the real one.
        publisher.sendResult = s -> {
            if ((s.flags() & 0x2) != 0) {
                for (FakeHost sub : subscribers) {
                    assertThat(sub.deliver(FakeHost.envelope(0, s.flags(), s.correlation(), "pubsub/publisher/0",
                            "pubsub/publisher/0", s.data()))).isZero();
                }
                return subscribers.size();
            }
            return 1;
        };

        for (String text : new String[] {"first", "second news"}) {
            assertThat(publisher.deliver(FakeHost.httpRequest("POST", "/publish", Map.of(), text, "_reply/p", 1))).isZero();
        }

        List<FakeHost.Sent> aliasSends = publisher.sent.stream().filter(s -> s.flags() == 0x2).toList();
        assertThat(aliasSends).extracting(FakeHost.Sent::to).containsExactly("news", "news");
        assertThat(aliasSends).extracting(FakeHost.Sent::text).containsExactly("first", "second news");
        FakeHost.HttpAnswer answer = FakeHost.decodeHttpResponse(publisher.lastSent().data());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("published to 3 subscribers\n");

        assertThat(kv.keySet()).containsExactly("subscribers/pubsub/subscriber/0", "subscribers/pubsub/subscriber/1",
                "subscribers/pubsub/subscriber/2");
        assertThat(new String(kv.get("subscribers/pubsub/subscriber/1"), StandardCharsets.UTF_8))
                .isEqualTo("2 second news");

        assertThat(publisher.deliver(FakeHost.httpRequest("GET", "/subscribers", Map.of(), "", "_reply/s", 2))).isZero();
        assertThat(FakeHost.decodeHttpResponse(publisher.lastSent().data()).body()).isEqualTo(
                "pubsub/subscriber/0 2 second news\n"
                        + "pubsub/subscriber/1 2 second news\n"
                        + "pubsub/subscriber/2 2 second news\n");
    }

    @Test
    void publishWithoutSubscribersAnswers503AndSubscriberCountSurvivesRestart() {
        TreeMap<String, byte[]> kv = new TreeMap<>();
        FakeHost publisher = new FakeHost("pubsub/publisher/0", kv);
        publisher.instantiate("publisher");
        publisher.startUp();
        publisher.sendResult = s -> (s.flags() & 0x2) != 0 ? -1 : 1; // ENOTFOUND: nobody holds "news"
        assertThat(publisher.deliver(FakeHost.httpRequest("POST", "/publish", Map.of(), "x", "_reply/p", 1))).isZero();
        FakeHost.HttpAnswer answer = FakeHost.decodeHttpResponse(publisher.lastSent().data());
        assertThat(answer.status()).isEqualTo(503);
        assertThat(publisher.deliver(FakeHost.httpRequest("GET", "/subscribers", Map.of(), "", "_reply/q", 2))).isZero();
        assertThat(FakeHost.decodeHttpResponse(publisher.lastSent().data()).body()).isEqualTo("no messages received yet\n");

        kv.put("subscribers/pubsub/subscriber/0", "7 old".getBytes(StandardCharsets.UTF_8));
        FakeHost sub = new FakeHost("pubsub/subscriber/0", kv);
        sub.instantiate("subscriber");
        sub.startUp();
        assertThat(sub.deliver(FakeHost.message("pubsub/publisher/0", "new"))).isZero();
        assertThat(new String(kv.get("subscribers/pubsub/subscriber/0"), StandardCharsets.UTF_8)).isEqualTo("8 new");
        assertThat(sub.sent).as("subscribers do not answer").isEmpty();
    }
}
