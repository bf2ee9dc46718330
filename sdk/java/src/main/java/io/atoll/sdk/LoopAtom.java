package io.atoll.sdk;

/**
 * A loop-style atom: {@link #run} is called once after start-up, typically loops on
 * {@link Atoll#receive}, and its return ends the atom normally (exit code 0). Register it from
 * {@code main} with {@link Atoll#run(LoopAtom)}. An escaping exception ends the atom with a fault.
 */
@FunctionalInterface
public interface LoopAtom {
    void run() throws Exception;
}
