package io.atoll.examples.pubsub;

import io.atoll.sdk.Atoll;
import io.atoll.sdk.AtollError;
import io.atoll.sdk.AtollException;
import io.atoll.sdk.HttpResponse;
import io.atoll.sdk.Kv;
import io.atoll.sdk.Message;

/**
 * Handler style. {@code POST /publish} sends the body to every holder of the alias {@code news}
 * (one send, flag ALIAS) and answers how many got it; {@code GET /subscribers} lists what each
 * subscriber recorded in storage. A plain message is published like a POST body.
 */
public final class PublisherAtom {
    static final String ALIAS = "news";
    /** Subscribers store {@code <count> <last message>} under this prefix plus their full name. */
    static final String PREFIX = "subscribers/";

    private PublisherAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(PublisherAtom::handle);
    }

    static void handle(Message msg) {
        if (msg.isHttp() && msg.http().pathOnly().startsWith("/subscribers")) {
            StringBuilder out = new StringBuilder();
            for (Kv.Entry e : Atoll.kv().scan(PREFIX)) {
                out.append(e.key().substring(PREFIX.length())).append(' ').append(e.text()).append('\n');
            }
            msg.reply(HttpResponse.text(200, out.length() == 0 ? "no messages received yet\n" : out.toString()));
            return;
        }
        if (msg.isHttp() && !msg.http().isPost()) {
            msg.reply(HttpResponse.text(405, "POST the message to publish\n").header("allow", "POST"));
            return;
        }
        int delivered;
        try {
            delivered = Atoll.publish(ALIAS, msg.body());
        } catch (AtollException e) {
            if (e.error() == AtollError.ENOTFOUND) {
                msg.reply(HttpResponse.text(503, "no subscriber holds the alias " + ALIAS + "\n"));
                return;
            }
            throw e;
        }
        msg.reply(HttpResponse.text(200, "published to " + delivered + " subscribers\n"));
    }
}
