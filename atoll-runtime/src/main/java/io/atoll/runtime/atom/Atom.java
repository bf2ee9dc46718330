package io.atoll.runtime.atom;

import io.atoll.abi.Abi;
import io.atoll.abi.Envelope;
import io.atoll.abi.ErrorCode;
import io.atoll.abi.KvList;
import io.atoll.engine.AtomExit;
import io.atoll.engine.AtomHost;
import io.atoll.engine.AtomInstance;
import io.atoll.engine.CaptureSignal;
import io.atoll.engine.CompiledModule;
import io.atoll.engine.GuestFault;
import io.atoll.engine.HostError;
import io.atoll.engine.InstanceState;
import io.atoll.runtime.manifest.AtomSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One atom instance: a name, a mailbox, and the virtual thread that runs its Wasm instance
 * (docs/abi.md §1 start-up sequence), restarting it under the recovery policy. All guest code
 * runs on that one thread, so the instance needs no locks. Other threads only offer to the
 * mailbox, read counters, or interrupt (run-time limit, stop).
 */
public final class Atom {
    private static final Logger LOG = LoggerFactory.getLogger(Atom.class);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final String name;
    private final AtomContext ctx;
    private final Mailbox mailbox;
    private final long createdAtMs = System.currentTimeMillis();

    /** Nanos when guest code started running uninterrupted; 0 = not running; -1 = killed by the watchdog. */
    private final AtomicLong runningSince = new AtomicLong();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong faults = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private volatile AtomState state = AtomState.STARTING;
    private volatile boolean stopping;
    private volatile Thread thread;
    private volatile long memoryBytes;
    private volatile long lastActiveNanos = System.nanoTime();
    private volatile String lastFault;
    private volatile String style = "handler";
    /** The running instance can be captured with its call stack (instrumented loop atom). */
    private volatile boolean midRun;
    private Envelope current; // the event being handled; atom thread only
    private int eventsHandled; // atom thread only

    /** How long a captured atom waits for its migration to decide before it resumes here. */
    static final long MAX_PAUSE_MS = 30_000;

    /**
     * What a migration or a checkpoint takes from an atom stopped at a safe point.
     *
     * @param clockNanos the atom's monotonic clock when captured ({@code atoll.clock_monotonic})
     * @param wallMillis the wall clock when captured (0: unknown): the atom's clock goes on from
     *     {@code clockNanos} plus the wall time that passed, so it never runs backwards on a new node
     * @param pausedAtNanos this node's {@code System.nanoTime()} at the pause (0: captured elsewhere)
     */
    public record Captured(InstanceState state, List<Envelope> waiting, long messages, long faults, long restarts,
            long clockNanos, long wallMillis, long pausedAtNanos) {
        /** A capture without clock (older snapshots, tests): the clock starts from this node's. */
        public Captured(InstanceState state, List<Envelope> waiting, long messages, long faults, long restarts) {
            this(state, waiting, messages, faults, restarts, 0, 0, 0);
        }
    }

    /** An instance restored ahead of the start (an atom arriving by migration), with the host it is bound to. */
    private volatile AtomInstance prepared;
    private volatile Host preparedHost;

    /**
     * Before {@link #startFrom}: restores the captured state into an instance now, on the calling
     * thread, so that the start after the move commits only starts the thread (and a state that
     * cannot be restored here fails the move before it commits).
     */
    public void prepare(Captured c) {
        if (prepared != null) { // its memory came ahead by pre-copy: the rest goes on top
            ctx.engine().restoreOnto(prepared, c.state());
            return;
        }
        Host h = new Host();
        AtomInstance i = ctx.engine().restore(module(), h, ctx.instanceOptions(), c.state());
        preparedHost = h;
        prepared = i;
    }

    /**
     * Pre-copy, on the node the atom moves to (before {@link #prepare}): writes pages of its
     * memory, 64 KiB each, into the instance it will continue in (made at the first call).
     */
    public void stagePages(int pages, int[] indexes, byte[] data, int[] offsets) {
        if (prepared == null) {
            Host h = new Host();
            prepared = ctx.engine().instantiate(module(), h, ctx.instanceOptions());
            preparedHost = h;
        }
        prepared.stagePages(pages, indexes, data, offsets);
    }

    /** A loop atom's periodic checkpoints (atom thread only): when the last was taken, and after how many events. */
    private long lastCheckpointNanos = System.nanoTime();
    private int eventsAtCheckpoint;
    private boolean checkpointing;

    /**
     * For a loop atom about to wait in receive: -1 if no checkpoint is pending (none configured,
     * not capturable mid-run, or no event since the last one), else the milliseconds until it is
     * due (0: now).
     */
    private long checkpointDueMs() {
        long every = ctx.spec().checkpointMs();
        if (every <= 0 || !midRun || eventsHandled == eventsAtCheckpoint) {
            return -1;
        }
        long left = every - (System.nanoTime() - lastCheckpointNanos) / 1_000_000L;
        return Math.max(0, left);
    }

    /** The module this instance runs when not its definition's (after a live update); null: the definition's. */
    private volatile CompiledModule module;
    /** Set by {@link #resumeUpdated}: the paused atom continues in this module. */
    private volatile CompiledModule updateTo;

    /** The module this instance runs. */
    public CompiledModule module() {
        CompiledModule m = module;
        return m != null ? m : ctx.module();
    }

    /** Before it starts: this instance runs another version than its definition's (it was updated live). */
    public void useModule(CompiledModule m) {
        module = m;
    }

    /**
     * The paused atom (see {@link #requestCapture}) continues here in {@code m}, which the caller
     * checked against the captured state (live update); messages keep their order.
     */
    public void resumeUpdated(CompiledModule m) {
        updateTo = m;
        abortMove();
    }

    /** What this atom's {@code clock_monotonic} adds to {@code System.nanoTime()} (nonzero after a move). */
    private volatile long clockOffset;

    private Captured captured(InstanceState state, List<Envelope> waiting, long pausedAt) {
        return new Captured(state, waiting, messages.get(), faults.get(), restarts.get(), System.nanoTime() + clockOffset,
                System.currentTimeMillis(), pausedAt);
    }

    private volatile CompletableFuture<Captured> captureRequest;
    /** The memory image the capture's receiver already holds (pre-copy): capture only what differs. */
    private volatile byte[] captureBase;
    /** The instance running now, for pre-copy reads from the migrating thread; null while there is none. */
    private volatile AtomInstance live;
    private volatile CompletableFuture<Boolean> moveDecision;
    private volatile String movedTo;
    /** State to start from instead of a fresh instance: an atom that moved here. */
    private volatile InstanceState restoreFrom;

    public Atom(String name, AtomContext ctx) {
        this.name = name;
        this.ctx = ctx;
        this.mailbox = new Mailbox(ctx.spec().limits().mailbox());
    }

    public void start() {
        thread = Thread.ofVirtual().name("atom " + name).start(this::run);
    }

    /**
     * An atom that moved here from another node: starts from its captured state (no start-up
     * exports run again) with the messages that waited for it, and its counters.
     */
    public void startFrom(Captured c) {
        restoreFrom = c.state();
        messages.set(c.messages());
        faults.set(c.faults());
        restarts.set(c.restarts());
        if (c.wallMillis() > 0) {
            long passed = Math.max(0, System.currentTimeMillis() - c.wallMillis()) * 1_000_000L;
            clockOffset = c.clockNanos() + passed - System.nanoTime();
        }
        style = c.state().suspended() ? "loop" : "handler";
        start();
    }

    // ---- migration (docs/migration.md) ----

    /**
     * Asks the atom to capture itself at its next safe point: between two events, ahead of the
     * messages waiting (they travel with it). The atom then stays paused until {@link #commitMove}
     * or {@link #abortMove} (or {@link #MAX_PAUSE_MS}, after which it resumes here).
     */
    public CompletableFuture<Captured> requestCapture() {
        return requestCapture(null);
    }

    /**
     * A copy of the atom's memory taken while it runs (pre-copy; see
     * {@link AtomInstance#readMemory()}), or null if it has no instance now (hibernated, restarting).
     */
    public byte[] memoryWhileRunning() {
        AtomInstance i = live;
        try {
            return i == null ? null : i.readMemory();
        } catch (RuntimeException e) { // e.g. racing a memory.grow: the caller falls back to a full copy
            return null;
        }
    }

    /**
     * As {@link #requestCapture()}; with a {@code base} memory image, the capture holds only the
     * pages that differ from it ({@link InstanceState#DELTA}).
     */
    public synchronized CompletableFuture<Captured> requestCapture(byte[] base) {
        if ("loop".equals(style) && !module().midRunCapture()) {
            return CompletableFuture.failedFuture(new IllegalStateException(name + " is a loop-style atom whose module is not"
                    + " instrumented for mid-run capture ('safe-points: between-events' in its manifest, or no wasm-opt on"
                    + " the node that loaded it: scripts/setup-toolchain.sh binaryen)"));
        }
        if (captureRequest != null || stopping || movedTo != null) {
            return CompletableFuture.failedFuture(new IllegalStateException(name + " is already moving or stopping"));
        }
        captureRequest = new CompletableFuture<>();
        captureBase = base;
        moveDecision = new CompletableFuture<>();
        mailbox.requestCapture();
        return captureRequest;
    }

    /**
     * The migration committed: the atom ends here without failing anything; returns the messages
     * that arrived while it was paused, in order. Later offers to its mailbox are refused so the
     * node forwards them to {@code node} ({@link #movedTo()}).
     *
     * @throws IllegalStateException if the atom already resumed (its pause ran out)
     */
    public List<Envelope> commitMove(String node) {
        CompletableFuture<Boolean> d = moveDecision;
        movedTo = node;
        if (d == null || !d.complete(true)) {
            movedTo = null;
            throw new IllegalStateException(name + " resumed before the move committed");
        }
        return mailbox.seal();
    }

    /** The migration did not happen: the atom resumes here with its messages, in order. */
    public void abortMove() {
        captureBase = null;
        mailbox.cancelCapture();
        CompletableFuture<Boolean> d = moveDecision;
        if (d != null) {
            d.complete(false);
        }
        CompletableFuture<Captured> c = captureRequest;
        if (c != null) {
            c.cancel(false);
        }
    }

    /** The node this atom moved to, or null. */
    public String movedTo() {
        return movedTo;
    }

    /**
     * At a capture request (atom thread): captures, waits for the decision. Returns null if the
     * atom moved, else the instance to go on with: the same, or one of the version it was updated to.
     */
    private AtomInstance handOver(AtomInstance instance, Host host) {
        CompletableFuture<Captured> request = captureRequest;
        if (request == null || request.isDone()) {
            return instance; // withdrawn
        }
        InstanceState taken;
        long pausedAt = System.nanoTime();
        List<Envelope> waiting = mailbox.drainMessages();
        AtomState before = state;
        state = AtomState.PAUSED;
        try {
            byte[] base = captureBase;
            captureBase = null; // a copy of the whole memory: not kept beyond this capture
            taken = base == null ? instance.capture() : instance.capture(base);
            request.complete(captured(taken, waiting, pausedAt));
        } catch (RuntimeException e) {
            taken = null;
            request.completeExceptionally(e);
        }
        boolean moved;
        try {
            moved = moveDecision.get(MAX_PAUSE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
                | java.util.concurrent.CancellationException e) {
            moved = false;
        } catch (InterruptedException e) {
            moved = false;
        }
        if (!moved && !moveDecision.complete(false) && moveDecision.join()) {
            moved = true; // committed at the last moment
        }
        synchronized (this) {
            captureRequest = null;
        }
        if (moved) {
            state = AtomState.MOVED;
            return null;
        }
        mailbox.putBackFirst(waiting);
        state = before;
        CompiledModule update = updateTo;
        updateTo = null;
        if (update != null && taken != null) {
            instance = ctx.engine().restoreUpdated(module(), update, host, ctx.instanceOptions(), taken);
            live = instance;
            module = update;
            log(Abi.LOG_INFO, "updated live to module " + update.hash().substring(0, 12));
        } else {
            log(Abi.LOG_INFO, "migration did not happen: resumed here");
        }
        return instance;
    }

    /** Asks the atom to stop after the current event; safe from any thread. */
    public void stop() {
        stopping = true;
        mailbox.stop();
        Thread t = thread;
        if (t != null && state == AtomState.WAITING) {
            t.interrupt();
        }
    }

    public void awaitStopped(long millis) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(millis);
        }
    }

    /**
     * From the node's timer thread, every few milliseconds: wakes the atom if it waits idle for a
     * hibernation or checkpoint that is now due ({@link Mailbox#takeUntil}), and interrupts guest
     * code that has run longer than its limit. The compare-and-set makes sure a handler that just
     * finished is not hit.
     */
    public void tick(long nowNanos) {
        mailbox.wakeIfDue(nowNanos);
        long since = runningSince.get();
        long limit = ctx.spec().limits().timeoutMs() * 1_000_000L;
        if (since > 0 && nowNanos - since > limit && runningSince.compareAndSet(since, -1)) {
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    private void run() {
        int consecutiveFaults = 0;
        String recoverWith = null;
        while (!stopping) {
            int handledBefore = eventsHandled;
            try {
                serve(recoverWith);
                if (state == AtomState.MOVED) {
                    live = null; // what is left of it here must not keep its memory
                    ctx.ended(this, AtomState.MOVED, "moved to node " + movedTo);
                    return; // nothing to fail: what waited went along, what comes is forwarded
                }
                ctx.ended(this, AtomState.STOPPED, "ended");
                state = AtomState.STOPPED;
                failPending("the atom has ended");
                return;
            } catch (GuestFault fault) {
                if (stopping) {
                    break;
                }
                Thread.interrupted(); // the watchdog's interrupt is spent: it must not cut the back-off short
                if (fault.kind() == GuestFault.Kind.EXIT && fault.exitCode() == 0) {
                    state = AtomState.STOPPED;
                    ctx.ended(this, AtomState.STOPPED, "exit(0)");
                    failPending("the atom has ended");
                    return;
                }
                recoverWith = null;
                String reason = describe(fault);
                lastFault = reason;
                faults.incrementAndGet();
                ctx.faulted(this, fault);
                if (current != null) {
                    ctx.eventFailed(current, reason);
                    current = null;
                }
                log(Abi.LOG_ERROR, "fault: " + reason);
                LOG.warn("atom {} fault: {}", name, reason);
                AtomSpec spec = ctx.spec();
                switch (spec.recovery()) {
                    case NONE -> {
                        giveUp("stopped after a fault (recovery: none): " + reason);
                        return;
                    }
                    case ESCALATE -> {
                        state = AtomState.FAILED;
                        failPending("the node is stopping");
                        ctx.escalate(this, fault);
                        return;
                    }
                    case RESTART, RECOVER -> {
                        // a streak is broken by any event handled successfully since the last restart
                        consecutiveFaults = eventsHandled > handledBefore ? 1 : consecutiveFaults + 1;
                        if (consecutiveFaults > spec.restart().max()) {
                            giveUp("gave up after " + spec.restart().max() + " restarts in a row; last fault: " + reason);
                            return;
                        }
                        state = AtomState.RESTARTING;
                        if (!sleepBackoff(spec.restart().backoffMs(), consecutiveFaults)) {
                            break;
                        }
                        restarts.incrementAndGet();
                        ctx.restarting(this);
                        if (spec.recovery() == AtomSpec.Recovery.RECOVER) {
                            recoverWith = reason;
                        }
                        log(Abi.LOG_WARN, "restart " + consecutiveFaults + "/" + spec.restart().max());
                    }
                }
            } catch (RuntimeException e) {
                LOG.error("atom {} runtime failure", name, e);
                giveUp("runtime failure: " + e);
                return;
            }
        }
        state = AtomState.STOPPED;
        failPending("the atom was stopped");
        ctx.ended(this, AtomState.STOPPED, "stopped");
    }

    /** Runs one instance until it ends (returns) or faults (throws). */
    private void serve(String recoverWith) {
        Thread.interrupted(); // a stale interrupt must not hit the new instance
        state = AtomState.STARTING;
        Host host = preparedHost != null ? preparedHost : new Host();
        AtomInstance instance;
        InstanceState moved = restoreFrom;
        if (moved != null) { // arrived from another node: continue where it was, no start-up again
            restoreFrom = null;
            instance = prepared != null ? prepared : ctx.engine().restore(module(), host, ctx.instanceOptions(), moved);
            prepared = null;
            preparedHost = null;
            live = instance;
            memoryBytes = instance.memoryBytes();
            if (moved.suspended() && !runLoop(instance, host, true)) { // captured mid-run: resume its call stack
                return;
            }
        } else {
            instance = ctx.engine().instantiate(module(), host, ctx.instanceOptions());
            live = instance;
            if (!startUp(instance, host, recoverWith)) {
                return;
            }
        }
        long hibernateAfter = canHibernate() ? ctx.spec().hibernateAfterMs() : -1;
        long checkpointNanos = ctx.spec().checkpointMs() * 1_000_000L;
        long lastCheckpoint = System.nanoTime();
        boolean dirty = false; // events handled since the last checkpoint
        while (!stopping) {
            state = AtomState.IDLE;
            Envelope e;
            if (checkpointNanos > 0 && dirty && System.nanoTime() - lastCheckpoint >= checkpointNanos) {
                checkpoint(instance);
                lastCheckpoint = System.nanoTime();
                dirty = false;
            }
            try {
                long wait = hibernateAfter > 0 ? hibernateAfter : -1;
                long checkpointDue = -1;
                if (checkpointNanos > 0 && dirty) { // wake up for the checkpoint even if nothing comes
                    checkpointDue = Math.max(1, (checkpointNanos - (System.nanoTime() - lastCheckpoint)) / 1_000_000L);
                    wait = wait < 0 ? checkpointDue : Math.min(wait, checkpointDue);
                }
                e = mailbox.await(wait);
                if (e == null && checkpointDue >= 0 && wait == checkpointDue) {
                    continue; // the checkpoint is due: taken at the top of the loop
                }
                if (e == null) {
                    // Idle long enough: keep only the captured state (compressed) until the next event.
                    // No other reference to the instance may survive here, or its memory stays.
                    InstanceState saved = instance.capture();
                    instance = null;
                    live = null;
                    memoryBytes = saved.sizeBytes();
                    state = AtomState.HIBERNATED;
                    e = mailbox.take(-1);
                    if (e == Mailbox.STOP) {
                        return;
                    }
                    state = AtomState.STARTING;
                    instance = ctx.engine().restore(module(), host, ctx.instanceOptions(), saved);
                    live = instance;
                }
            } catch (InterruptedException ie) {
                if (stopping) {
                    return;
                }
                continue;
            }
            if (e == Mailbox.STOP) {
                return;
            }
            if (e == Mailbox.CAPTURE) {
                instance = handOver(instance, host);
                if (instance == null) {
                    return; // moved
                }
                continue;
            }
            current = e;
            messages.incrementAndGet();
            state = AtomState.RUNNING;
            byte[] bytes = e.encode();
            long t0 = System.nanoTime();
            int rc = guest(instance, i -> i.onMessage(bytes));
            memoryBytes = instance.memoryBytes();
            if (rc < 0) {
                throw new GuestFault(GuestFault.Kind.ERROR_RETURN, "atoll_on_message returned " + rc
                        + codeName(rc), 0, null);
            }
            dirty = true;
            if (!eventDone(t0)) {
                return;
            }
        }
    }

    /** A periodic checkpoint, between events (atom thread). A failure is logged, never a fault. */
    private void checkpoint(AtomInstance instance) {
        lastCheckpointNanos = System.nanoTime();
        eventsAtCheckpoint = eventsHandled;
        try {
            ctx.checkpointed(this, captured(instance.capture(), List.of(), 0));
        } catch (RuntimeException ex) {
            LOG.warn("atom {}: checkpoint failed: {}", name, ex.toString());
        }
    }

    /**
     * The start-up sequence of docs/abi.md §1 (and the recovery export after a fault). Returns
     * true if the atom now serves handler calls, false if it has ended normally.
     */
    private boolean startUp(AtomInstance instance, Host host, String recoverWith) {
        memoryBytes = instance.memoryBytes();
        guest(instance, i -> {
            i.start();
            return 0;
        });
        if (recoverWith != null) {
            byte[] why = recoverWith.getBytes(StandardCharsets.UTF_8);
            guest(instance, i -> {
                i.recover(why);
                return 0;
            });
            log(Abi.LOG_INFO, "recovered");
        }
        if (module().hasMain()) {
            return runLoop(instance, host, false);
        }
        return module().hasMessageHandler();
    }

    /**
     * Runs (or, {@code resume}, resumes) {@code atoll_main} until it returns for good. Each time it
     * unwinds for a capture the atom hands itself over, and resumes here if the move did not
     * happen. Returns true if the atom now serves handler calls, false if it ended or moved.
     */
    private boolean runLoop(AtomInstance instance, Host host, boolean resume) {
        state = AtomState.RUNNING;
        style = "loop";
        midRun = instance.midRunCapture();
        int code = guest(instance, resume ? AtomInstance::resumeMain : AtomInstance::runMain);
        while (instance.unwound()) {
            if (checkpointing) {
                checkpointing = false;
                checkpoint(instance);
            } else if (handOver(instance, host) == null) {
                return false; // state MOVED
            }
            state = AtomState.RUNNING;
            code = guest(instance, AtomInstance::resumeMain);
        }
        midRun = false;
        memoryBytes = instance.memoryBytes();
        if (code != Abi.MAIN_SERVE) {
            if (code != 0) {
                throw new GuestFault(GuestFault.Kind.EXIT, "atoll_main returned " + code, code, null);
            }
            return false;
        }
        style = "handler";
        return module().hasMessageHandler();
    }

    /**
     * Bookkeeping when an event has been handled (handler returned, or a loop atom asks for the
     * next one); returns false if the scheduling policy retires the atom.
     */
    private boolean eventDone(long startedNanos) {
        current = null;
        eventsHandled++;
        long now = System.nanoTime();
        lastActiveNanos = now;
        return ctx.afterEvent(this, now - startedNanos);
    }

    /** Handler-style atoms without WASI (open files cannot be captured) may hibernate. */
    private boolean canHibernate() {
        return ctx.spec().hibernateAfterMs() > 0 && !ctx.spec().granted("wasi");
    }

    /** Runs guest code under the run-time limit. */
    private int guest(AtomInstance instance, java.util.function.ToIntFunction<AtomInstance> call) {
        runningSince.set(System.nanoTime());
        try {
            return call.applyAsInt(instance);
        } catch (GuestFault f) {
            if (f.kind() == GuestFault.Kind.TIMEOUT && !stopping) {
                throw new GuestFault(GuestFault.Kind.TIMEOUT,
                        "ran longer than its limit of " + ctx.spec().limits().timeoutMs() + " ms without waiting", 0, null);
            }
            throw f;
        } finally {
            runningSince.set(0);
        }
    }

    private boolean sleepBackoff(long baseMs, int attempt) {
        long ms = Math.min(MAX_BACKOFF_MS, baseMs << Math.min(attempt - 1, 20));
        try {
            Thread.sleep(ms);
            return !stopping;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void giveUp(String reason) {
        state = AtomState.FAILED;
        lastFault = reason;
        log(Abi.LOG_ERROR, reason);
        failPending(reason);
        ctx.ended(this, AtomState.FAILED, reason);
    }

    /**
     * The atom stops for good: answers the event in flight and everything still in the mailbox
     * with an error where a requester waits (reply addresses). Plain messages cannot be answered;
     * their count is logged.
     */
    private void failPending(String reason) {
        if (current != null) {
            ctx.eventFailed(current, reason);
            current = null;
        }
        int discarded = 0;
        for (Envelope e : mailbox.drain()) {
            ctx.eventFailed(e, reason);
            discarded++;
        }
        if (discarded > 0) {
            log(Abi.LOG_WARN, discarded + " pending message(s) not handled: " + reason);
        }
    }

    private static String describe(GuestFault f) {
        return switch (f.kind()) {
            case TRAP -> f.getMessage();
            case TIMEOUT -> "timeout: " + f.getMessage();
            case EXIT -> "exited with code " + f.exitCode();
            case ERROR_RETURN -> f.getMessage();
            case STACK_OVERFLOW -> "stack overflow: " + f.getMessage();
            case OUT_OF_MEMORY -> "out of memory: " + f.getMessage();
            case ENGINE -> "engine failure: " + f.getMessage();
        };
    }

    private static String codeName(int code) {
        try {
            return " (" + io.atoll.abi.ErrorCode.of(code).name() + ")";
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private void log(int level, String text) {
        ctx.log().append(name, level, text);
    }

    /** The {@code atoll} imports for this atom; runs on the atom's thread only. */
    private final class Host implements AtomHost {
        @Override
        public int send(String to, byte[] payload, int flags, long correlation) {
            // Before the answer goes out, or the requester's next request can arrive first and
            // find this instance not yet available.
            if (current != null && to.equals(current.replyTo()) && !to.equals(current.sender())) {
                ctx.answered(Atom.this);
            }
            return ctx.send(Atom.this, to, payload, flags, correlation);
        }

        @Override
        public byte[] receive(long timeoutMs) throws InterruptedException {
            // A loop atom asking for its next message is done with the previous one. A handler that
            // receives (a request's answer, inside atoll_on_message) is not: its event ends when it returns.
            boolean loop = "loop".equals(style);
            if (loop && current != null && !eventDone(Math.max(runningSince.get(), lastActiveNanos))) {
                throw new AtomExit(0);
            }
            long since = runningSince.get();
            if (since == -1 || !runningSince.compareAndSet(since, 0)) {
                throw new InterruptedException("run-time limit"); // the watchdog got there first
            }
            state = AtomState.WAITING;
            Envelope e;
            try {
                long due = checkpointDueMs();
                if (due == 0) { // a loop atom's periodic checkpoint: unwind here, capture, rewind (runLoop)
                    checkpointing = true;
                    throw new CaptureSignal();
                }
                boolean forCheckpoint = due > 0 && (timeoutMs < 0 || due < timeoutMs);
                e = stopping ? Mailbox.STOP : mailbox.await(forCheckpoint ? due : timeoutMs);
                if (e == null && forCheckpoint) {
                    checkpointing = true;
                    throw new CaptureSignal(); // receive runs again after the checkpoint, with the guest's timeout
                }
                if (e == Mailbox.CAPTURE && midRun && captureRequested()) {
                    throw new CaptureSignal(); // the instrumented instance unwinds from here
                }
                while (e == Mailbox.CAPTURE) { // a call stack that cannot be captured: not a safe point
                    CompletableFuture<Captured> request = captureRequest;
                    if (request != null) {
                        request.completeExceptionally(new IllegalStateException(name
                                + " is waiting in a receive inside a message handler: that call stack cannot be captured"
                                + " (only loop-style modules are instrumented); try again when the handler has returned"));
                        synchronized (Atom.this) {
                            captureRequest = null;
                        }
                    }
                    e = mailbox.take(timeoutMs);
                }
            } finally {
                runningSince.set(System.nanoTime());
            }
            state = AtomState.RUNNING;
            if (e == Mailbox.STOP) {
                throw new AtomExit(0);
            }
            if (e == null) {
                return null;
            }
            if (loop) {
                current = e; // (a handler's event stays the one it is handling)
            }
            messages.incrementAndGet();
            return e.encode();
        }

        @Override
        public long clockMonotonic() {
            return System.nanoTime() + clockOffset;
        }

        @Override
        public boolean captureRequested() {
            CompletableFuture<Captured> request = captureRequest;
            return midRun && request != null && !request.isDone();
        }

        @Override
        public void captureFailed(String why) {
            if (checkpointing) { // try again after the next interval, not at once
                checkpointing = false;
                lastCheckpointNanos = System.nanoTime();
                eventsAtCheckpoint = eventsHandled;
                LOG.warn("atom {}: checkpoint skipped: {}", name, why);
                return;
            }
            CompletableFuture<Captured> request = captureRequest;
            if (request != null) {
                request.completeExceptionally(new IllegalStateException(name + " cannot be captured: " + why));
            }
            synchronized (Atom.this) {
                captureRequest = null;
            }
        }

        @Override
        public void aliasAdd(String alias) {
            if (alias.isEmpty() || alias.contains("/")) {
                throw new HostError(ErrorCode.EINVAL, "an alias is a non-empty name without '/'");
            }
            ctx.aliasAdd(Atom.this, alias);
        }

        @Override
        public void aliasRemove(String alias) {
            ctx.aliasRemove(Atom.this, alias);
        }

        @Override
        public List<String> lookup(int mode, String query) {
            return ctx.lookup(mode, query);
        }

        @Override
        public String selfName() {
            return name;
        }

        @Override
        public String spawn(String definition) {
            return ctx.spawn(definition);
        }

        @Override
        public byte[] kvGet(byte[] key) {
            return storage().get(key);
        }

        @Override
        public void kvPut(byte[] key, byte[] value) {
            storage().put(key, value);
        }

        @Override
        public void kvDelete(byte[] key) {
            storage().delete(key);
        }

        @Override
        public byte[] kvScan(byte[] prefix, int limit) {
            return KvList.encode(storage().scan(prefix, Math.max(0, limit)));
        }

        private io.atoll.runtime.storage.AppKv storage() {
            if (!ctx.spec().granted("storage")) {
                throw new HostError(ErrorCode.EDENIED, "storage not granted");
            }
            return ctx.kv();
        }

        @Override
        public void log(int level, String text) {
            Atom.this.log(Math.max(0, Math.min(4, level)), text);
        }

        @Override
        public void exit(int code) {
            throw new AtomExit(code);
        }
    }

    // ---- read-only views for the API, metrics and policies (any thread) ----

    public String name() {
        return name;
    }

    public AtomContext context() {
        return ctx;
    }

    public Mailbox mailbox() {
        return mailbox;
    }

    public AtomState state() {
        return state;
    }

    public boolean isStopping() {
        return stopping;
    }

    public long messages() {
        return messages.get();
    }

    public long faults() {
        return faults.get();
    }

    public long restarts() {
        return restarts.get();
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    public long createdAtMs() {
        return createdAtMs;
    }

    public long lastActiveNanos() {
        return lastActiveNanos;
    }

    public String lastFault() {
        return lastFault;
    }

    /** Events handled by this instance; read on the atom thread (policies) or approximately. */
    public int eventsHandled() {
        return eventsHandled;
    }

    /** {@code loop} while its {@code atoll_main} runs, {@code handler} when it serves exports. */
    public String style() {
        return style;
    }
}
