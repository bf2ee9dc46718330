package io.atoll.fabric;

import io.atoll.abi.AtollException;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Membership} over core NATS pub/sub (no JetStream: membership is soft state that every node
 * rebuilds from heartbeats, so persisting it would only let stale entries outlive their nodes).
 *
 * <p>Protocol: every node publishes a {@link Beat} on {@link #SUBJECT} each {@code interval} and
 * subscribes to it; silence for {@code downAfter} means DOWN; a "leave" beat means DOWN at once.
 * To keep names unique, a joining node first asks {@code atoll.members.claim.<name>}; only a live
 * holder of that name listens there, so an answer means "taken" and NATS's no-responders status
 * means "free". (Two nodes claiming the same name in the same instant can both pass; each then
 * logs the duplicate when it sees the other's heartbeat.)
 *
 * <p>Threading: all state changes run on one thread per membership ("the membership thread"):
 * NATS callbacks and timers only hand work to it. So {@link MemberTable} needs no locks and
 * listeners see events serially (contract rule 6). {@link #members} reads a volatile snapshot.
 */
public final class NatsMembership implements Membership {
    private static final Logger LOG = LoggerFactory.getLogger(NatsMembership.class);

    public static final String SUBJECT = "atoll.members.heartbeat";
    static final String CLAIM_PREFIX = "atoll.members.claim.";
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_DOWN_AFTER = Duration.ofSeconds(3);
    /** How long a live holder of a name has to answer a claim. */
    static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(1);

    /** Null when {@link #shared} is given. */
    private final String url;
    /** A connection shared with other fabric components: used, never closed, by this membership. */
    private final Connection shared;
    private final Duration interval;
    private final Duration downAfter;
    /** Random per object: tells this process's messages from those of a previous or rival one. */
    private final String instance = UUID.randomUUID().toString();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final MemberTable table;
    private final ScheduledExecutorService thread;

    private volatile NodeInfo self;
    private volatile List<Member> view = List.of();
    private volatile Connection connection;
    private volatile Dispatcher dispatcher;
    private volatile boolean joined;
    private volatile boolean closed;
    private volatile boolean warnedDuplicate;

    /** With the default interval (1 s) and downAfter (3 s). */
    public NatsMembership(String url) {
        this(url, DEFAULT_INTERVAL, DEFAULT_DOWN_AFTER);
    }

    /**
     * @param url       the fabric, {@code nats://HOST:PORT}
     * @param interval  time between heartbeats
     * @param downAfter silence after which a node is DOWN; must exceed {@code interval} (3× or
     *                  more tolerates a lost heartbeat or a short reconnect)
     */
    public NatsMembership(String url, Duration interval, Duration downAfter) {
        this(url, null, interval, downAfter);
    }

    /**
     * Uses a connection shared with the node's other fabric components (see
     * {@link NatsConnect#open(FabricOptions, String)}): {@link #join} does not connect and
     * {@link #close} unsubscribes but leaves the connection open.
     */
    public NatsMembership(Connection nc, Duration interval, Duration downAfter) {
        this(null, Objects.requireNonNull(nc, "connection"), interval, downAfter);
    }

    private NatsMembership(String url, Connection shared, Duration interval, Duration downAfter) {
        if (interval.isNegative() || interval.isZero() || downAfter.compareTo(interval) <= 0) {
            throw new IllegalArgumentException("need 0 < interval < downAfter, got interval " + interval
                    + ", downAfter " + downAfter);
        }
        this.url = url;
        this.shared = shared;
        this.interval = interval;
        this.downAfter = downAfter;
        this.table = new MemberTable(downAfter.toNanos());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "atoll-membership");
            t.setDaemon(true);
            return t;
        });
    }

    /** Blocks for at most the connect timeout (2 s, none on a shared connection) plus the claim timeout (1 s). */
    @Override
    public synchronized void join(NodeInfo me) {
        if (joined || closed) {
            throw new IllegalStateException("join may be called once, before close");
        }
        joined = true;
        self = me;
        Connection nc = shared != null ? shared : NatsConnect.open(url, "atoll-node-" + me.name());
        connection = nc;
        try {
            checkNameFree(nc, me.name());
            Dispatcher d = nc.createDispatcher();
            dispatcher = d;
            d.subscribe(SUBJECT, msg -> onBeat(msg.getData()));
            d.subscribe(claimSubject(me.name()), this::answerClaim);
            long beatMs = interval.toMillis();
            // Sweeping at half the interval keeps detection within downAfter + interval (rule 4).
            long sweepMs = Math.max(10, beatMs / 2);
            thread.scheduleAtFixedRate(guarded(this::heartbeat), 0, beatMs, TimeUnit.MILLISECONDS);
            thread.scheduleAtFixedRate(guarded(this::sweep), sweepMs, sweepMs, TimeUnit.MILLISECONDS);
            thread.execute(this::refreshView);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public void update(NodeInfo me) {
        NodeInfo current = self;
        if (current != null && !current.name().equals(me.name())) {
            throw new IllegalArgumentException("a node cannot rename itself: " + current.name() + " -> " + me.name());
        }
        self = me;
        // Publish now rather than at the next beat so placement sees fresh figures quickly.
        submit(() -> {
            heartbeat();
            refreshView();
        });
    }

    @Override
    public List<Member> members() {
        return view;
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void leave() {
        if (closed || !joined) {
            close();
            return;
        }
        // On the membership thread, so no heartbeat can follow the leave on the wire.
        try {
            thread.submit(() -> {
                closed = true;
                publish(Beat.LEAVE);
            }).get(1, TimeUnit.SECONDS);
            connection.flush(Duration.ofSeconds(1));
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            LOG.warn("could not announce leave: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        thread.shutdownNow();
        Connection nc = connection;
        connection = null;
        Dispatcher d = dispatcher;
        dispatcher = null;
        if (nc == null) {
            return;
        }
        if (shared != null) {
            // The connection lives on: drop our subscriptions, or the claim subject would still have a
            // listener (that no longer answers) and a later join under this name would be refused.
            if (d != null) {
                try {
                    nc.closeDispatcher(d);
                } catch (IllegalStateException e) {
                    LOG.debug("membership dispatcher already gone: {}", e.toString());
                }
            }
            return;
        }
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- on the caller's thread (join) ---

    private void checkNameFree(Connection nc, String name) {
        Message reply;
        try {
            reply = nc.requestWithTimeout(claimSubject(name), instance.getBytes(StandardCharsets.UTF_8), CLAIM_TIMEOUT)
                    .get(CLAIM_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof JetStreamStatusException) {
                return; // no responders: nobody holds the name
            }
            throw new AtollException("cannot check that node name '" + name + "' is free: " + e.getCause(),
                    "check the fabric, then retry", e);
        } catch (CancellationException | TimeoutException e) {
            // Someone listens on the name but did not answer: a live but stuck holder. Refusing is
            // safer than running two nodes under one name.
            throw new AtollException("node name '" + name + "' is held by a node that did not answer within "
                    + CLAIM_TIMEOUT.toMillis() + " ms", "pick another --name, or stop the other node first");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtollException("interrupted while joining the fabric", null, e);
        }
        String where = "";
        try {
            Beat holder = Beat.fromJson(reply.getData());
            where = " at " + holder.address() + " (zone " + holder.zone() + ")";
        } catch (IOException | RuntimeException e) {
            // still a conflict; we just cannot say where
        }
        throw new AtollException("node name '" + name + "' is already in use by a live node" + where,
                "pick another --name, or stop the other node first");
    }

    // --- on a NATS dispatcher thread: hand off, never touch state here ---

    private void answerClaim(Message msg) {
        String claimer = new String(msg.getData(), StandardCharsets.UTF_8);
        Connection nc = connection;
        if (msg.getReplyTo() != null && nc != null && !instance.equals(claimer) && !closed) {
            nc.publish(msg.getReplyTo(), Beat.of(Beat.HEARTBEAT, instance, self).toJson());
        }
    }

    private void onBeat(byte[] data) {
        long nowNanos = System.nanoTime();
        Instant now = Instant.now();
        Beat beat;
        try {
            beat = Beat.fromJson(data);
        } catch (IOException e) {
            LOG.warn("dropping a malformed membership message: {}", e.getMessage());
            return;
        }
        submit(() -> apply(beat, nowNanos, now));
    }

    // --- on the membership thread ---

    private void apply(Beat beat, long nowNanos, Instant now) {
        if (beat.name().equals(self.name())) {
            if (!beat.instance().equals(instance) && !warnedDuplicate) {
                warnedDuplicate = true;
                LOG.error("another node also calls itself '{}' (at {}); names must be unique", beat.name(), beat.address());
            }
            return; // our own echo, or a duplicate: never let it override this node's view of itself
        }
        boolean wasKnownLive = table.isUp(beat.name());
        List<MemberEvent> events = beat.isLeave() ? table.onLeave(beat, now) : table.onHeartbeat(beat, nowNanos, now);
        if (!beat.isLeave() && !wasKnownLive) {
            // A newcomer (or a node back from DOWN) learns about us now rather than an interval later.
            heartbeat();
        }
        refreshView(); // even without an event: lastSeen moved
        deliver(events);
    }

    private void sweep() {
        deliver(table.sweep(System.nanoTime()));
    }

    private void heartbeat() {
        if (!closed) {
            publish(Beat.HEARTBEAT);
        }
    }

    private void publish(String kind) {
        Connection nc = connection;
        if (nc == null) {
            return;
        }
        try {
            nc.publish(SUBJECT, Beat.of(kind, instance, self).toJson());
        } catch (IllegalStateException e) {
            // Closed, or the reconnect buffer is full: the next beat will try again.
            LOG.debug("heartbeat not sent: {}", e.getMessage());
        }
    }

    private void deliver(List<MemberEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        refreshView();
        for (MemberEvent event : events) {
            LOG.info("node {} {}", event.member().name(), event.kind());
            for (Listener l : listeners) {
                try {
                    l.onEvent(event);
                } catch (RuntimeException e) {
                    LOG.warn("membership listener failed on {}", event, e);
                }
            }
        }
    }

    private void refreshView() {
        view = table.snapshot(new Member(self, Member.State.UP, Instant.now()));
    }

    /** A periodic task that throws is silently never run again; log and carry on instead. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("membership timer task failed", e);
            }
        };
    }

    private void submit(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // closed: late messages are dropped
        }
    }

    /** The subject only a live holder of {@code name} listens on; see {@link Subjects#token}. */
    static String claimSubject(String name) {
        return CLAIM_PREFIX + Subjects.token(name);
    }
}
