package io.atoll.sdk;

/**
 * A handler-style atom: the runtime calls {@link #onMessage} once per message or HTTP request.
 * Register it from {@code main} with {@link Atoll#serve(Handler)}.
 *
 * <p>An exception escaping {@code onMessage} is logged and ends the call as a fault of the atom
 * (the runtime then applies the definition's recovery policy).
 */
@FunctionalInterface
public interface Handler {
    void onMessage(Message message) throws Exception;
}
