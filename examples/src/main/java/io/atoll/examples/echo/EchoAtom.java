package io.atoll.examples.echo;

import io.atoll.sdk.Atoll;

/**
 * Handler style: answers every message, and every HTTP request, with its body.
 * {@code curl -d hello http://127.0.0.1:8080/apps/echo/echo} prints {@code hello}.
 */
public final class EchoAtom {
    private EchoAtom() {
    }

    public static void main(String[] args) {
        Atoll.serve(message -> message.reply(message.body()));
    }
}
