package io.atoll.sdk;

/**
 * Called before a restart under the recovery policy {@code recover}, with a description of the
 * fault; it may use storage to repair state. Register it from {@code main} with
 * {@link Atoll#onRecover(RecoveryHandler)}.
 */
@FunctionalInterface
public interface RecoveryHandler {
    void onRecover(String fault) throws Exception;
}
