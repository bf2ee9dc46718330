package io.atoll.runtime.atom;

import io.atoll.abi.Envelope;
import io.atoll.engine.CompiledModule;
import io.atoll.engine.GuestFault;
import io.atoll.engine.InstanceOptions;
import io.atoll.engine.WasmEngine;
import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.storage.AppKv;
import java.util.List;

/**
 * What an atom needs from the rest of its node: implemented by its definition. Keeps
 * {@link Atom} free of knowledge about policies, routing and HTTP.
 */
public interface AtomContext {
    String app();

    AtomSpec spec();

    CompiledModule module();

    WasmEngine engine();

    InstanceOptions instanceOptions();

    AppKv kv();

    AtomLog log();

    /** Sends on behalf of {@code from}; returns the delivery count or throws HostError. */
    int send(Atom from, String to, byte[] payload, int flags, long correlation);

    void aliasAdd(Atom atom, String alias);

    void aliasRemove(Atom atom, String alias);

    List<String> lookup(int mode, String query);

    String spawn(String definition);

    /**
     * Called on the atom's thread after each event it handled in {@code nanos}; returns false if
     * the atom must retire (its scheduling policy says so).
     */
    boolean afterEvent(Atom atom, long nanos);

    /**
     * The atom is answering the event it is handling (sending to its reply address), so its
     * handler is about to return. Called on the atom's thread, just before the answer is sent.
     */
    void answered(Atom atom);

    /** The atom could not finish handling an event (it faulted or stopped): answer its sender. */
    void eventFailed(Envelope event, String reason);

    /** The atom faulted; the context counts it and decides nothing. */
    void faulted(Atom atom, GuestFault fault);

    /** The atom is about to start a new instance after a fault. */
    void restarting(Atom atom);

    /** A periodic checkpoint ({@code checkpoint:} in the manifest), captured between events; MUST NOT block. */
    default void checkpointed(Atom atom, Atom.Captured state) {
    }

    /** The atom's thread ended for good (normal end, gave up, or stopped). */
    void ended(Atom atom, AtomState finalState, String reason);

    /** Recovery policy escalate: stop the whole node. */
    void escalate(Atom atom, GuestFault fault);
}
