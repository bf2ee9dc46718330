package io.atoll.runtime.migration;

import io.atoll.abi.AtollException;
import io.atoll.engine.CompiledModule;
import io.atoll.runtime.app.Definition;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.cluster.Cluster;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Live update (docs/migration.md): a running atom continues, with its memory, globals and waiting
 * messages, in another version of its module. The atom is captured between events as for a
 * migration; if the new version lays its state out the same way (see the engine's update check)
 * it resumes on the new code, otherwise it resumes on the old one and the caller learns why.
 * Only the instance changes: new instances of the definition still start from the deployed
 * module (redeploy the application to change that).
 */
public final class LiveUpdate {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final NodeCore core;

    /** What an update did. {@code pauseMs}: from the capture to the first event on the new code being possible. */
    public record Report(String atom, String node, String from, String to, double pauseMs) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("atom", atom);
            m.put("node", node);
            m.put("from", from);
            m.put("to", to);
            m.put("pauseMs", Math.round(pauseMs * 100) / 100.0);
            return m;
        }
    }

    public LiveUpdate(NodeCore core) {
        this.core = core;
    }

    /**
     * Updates atom {@code name} to the module with hex SHA-256 {@code moduleHash} (stored on this
     * node or in the cluster); asks the atom's node if it runs elsewhere. Blocks until done.
     *
     * @throws AtollException with every reason the update is refused; the atom then keeps running its version
     */
    public Report update(String name, String moduleHash) {
        Atom atom = core.directory().get(name);
        if (atom == null || atom.movedTo() != null) {
            Cluster cluster = core.cluster();
            String moved = core.movedTo(name);
            String owner = moved != null ? moved : cluster.nodeOf(name).filter(o -> !o.equals(core.nodeName()))
                    .orElseThrow(() -> new AtollException("no atom named " + name + " runs here or in the cluster",
                            "names are app/definition/instance; list them with: atoll ps"));
            byte[] answer = Migrator.await(cluster.call(owner, "update.start",
                    (name + "\n" + moduleHash).getBytes(StandardCharsets.UTF_8)), "node " + owner);
            try {
                return JSON.readValue(answer, Report.class);
            } catch (java.io.IOException e) {
                throw new AtollException("malformed update report: " + e.getMessage(), null);
            }
        }
        Definition d = (Definition) atom.context();
        CompiledModule from = atom.module();
        CompiledModule to = core.loadModule(moduleHash, d);
        if (to.hash().equals(from.hash())) {
            throw new AtollException(name + " already runs module sha256:" + moduleHash, null);
        }
        Atom.Captured captured;
        try {
            captured = atom.requestCapture().get(Migrator.CAPTURE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            atom.abortMove();
            throw new AtollException(name + " did not reach a safe point within " + Migrator.CAPTURE_TIMEOUT_MS / 1000
                    + " s (a handler still running); it keeps running its current version", "try again when it is idle");
        } catch (ExecutionException e) {
            atom.abortMove();
            throw new AtollException("cannot capture " + name + ": " + e.getCause().getMessage(), null);
        } catch (InterruptedException e) {
            atom.abortMove();
            Thread.currentThread().interrupt();
            throw new AtollException("interrupted while capturing " + name, null);
        }
        List<String> problems;
        try {
            problems = d.engine().updateProblems(from, to, captured.state(), d.instanceOptions());
        } catch (RuntimeException e) {
            problems = List.of(e.getMessage());
        }
        if (!problems.isEmpty()) {
            atom.abortMove();
            throw new AtollException("cannot update " + name + " to module sha256:" + moduleHash.substring(0, 12) + ": "
                    + String.join("; ", problems) + ". It keeps running its current version",
                    "a live update keeps the memory as it is: the new version must lay out globals, static data and"
                            + " tables as the running one does (change code, not data); otherwise redeploy the application");
        }
        atom.resumeUpdated(to);
        double pause = (System.nanoTime() - captured.pausedAtNanos()) / 1e6;
        return new Report(name, core.nodeName(), from.hash(), to.hash(), pause);
    }

    /** The control call from another node: {@code update.start} with "name\nhash". */
    byte[] handle(String op, byte[] body) {
        if (!op.equals("update.start")) {
            throw new AtollException("unknown control call " + op, "is the other node another Atoll version?");
        }
        String[] parts = new String(body, StandardCharsets.UTF_8).split("\n", 2);
        try {
            return JSON.writeValueAsBytes(update(parts[0], parts[1]));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
