package io.atoll.examples.pubsub;

import io.atoll.sdk.Atoll;
import io.atoll.sdk.Message;

/**
 * Handler style; the manifest runs three instances holding the alias {@code news}. Each records,
 * under {@code subscribers/<its full name>}, how many messages it got and the last one.
 */
public final class SubscriberAtom {
    private static String key;
    private static long count = -1;

    private SubscriberAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(SubscriberAtom::handle);
    }

    static void handle(Message msg) {
        if (key == null) {
            key = PublisherAtom.PREFIX + Atoll.self();
            String stored = Atoll.kv().getString(key);
            count = 0;
            if (stored != null) {
                int space = stored.indexOf(' ');
                count = Long.parseLong(space < 0 ? stored : stored.substring(0, space));
            }
        }
        count++;
        Atoll.kv().put(key, count + " " + msg.bodyText());
        Atoll.debug("got #" + count + " from " + msg.sender());
    }
}
