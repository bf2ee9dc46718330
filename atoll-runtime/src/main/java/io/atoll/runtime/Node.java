package io.atoll.runtime;

import io.atoll.abi.Abi;
import io.atoll.abi.AtollException;
import io.atoll.engine.WasmEngine;
import io.atoll.runtime.app.Application;
import io.atoll.runtime.app.ModuleSource;
import io.atoll.runtime.app.NodeCore;
import io.atoll.runtime.atom.Atom;
import io.atoll.runtime.cluster.AppRecord;
import io.atoll.runtime.cluster.Cluster;
import io.atoll.runtime.http.HttpFront;
import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.manifest.Manifest;
import io.atoll.runtime.manifest.ManifestParser;
import io.atoll.runtime.storage.RocksKvStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Atoll node: the store, the engine, the atoms and the HTTP port, wired together. Deployed
 * applications are recorded in the data directory and come back when the node restarts.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    public static final String VERSION = "0.1.0";
    /** Reads and writes the records of deployed applications in the data directory. */

    private final NodeConfig config;
    private final RocksKvStore store;
    private final NodeCore core;
    private final Vertx vertx;
    private final Path modulesDir;
    private final Path appsDir;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long startedAt = System.currentTimeMillis();
    private volatile HttpServer server;
    private volatile ClusterView cluster = () -> List.of(selfAsMember());
    private volatile boolean closed;

    private Node(NodeConfig config) {
        this.config = config;
        this.modulesDir = config.dataDir().resolve("modules");
        this.appsDir = config.dataDir().resolve("apps");
        try {
            Files.createDirectories(modulesDir);
            Files.createDirectories(appsDir);
        } catch (IOException e) {
            throw new AtollException("cannot create the data directory " + config.dataDir() + ": " + e.getMessage(),
                    "pass a writable directory with --data");
        }
        this.store = new RocksKvStore(config.dataDir().resolve("store"));
        this.core = new NodeCore(config.name(), new WasmEngine(config.dataDir().resolve("compiled")), store, config.dataDir().resolve("files"),
                (atom, fault) -> escalated(atom));
        this.core.moduleBytes(this::moduleBytes);
        this.vertx = Vertx.vertx();
    }

    /** Starts a node alone and returns once its HTTP port listens and its applications are back. */
    public static Node start(NodeConfig config) {
        return start(config, n -> Cluster.ALONE);
    }

    /**
     * Starts a node and joins it to a cluster with {@code join} once its HTTP port listens (the
     * cluster needs its address). Alone, the node deploys its recorded applications again; in a
     * cluster, the cluster's list of applications is what counts, and the cluster deploys them.
     */
    public static Node start(NodeConfig config, java.util.function.Function<Node, Cluster> join) {
        Node node = new Node(config);
        try {
            String token = node.token();
            node.server = new HttpFront(node.vertx, node, token).listen(config.host(), config.port())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | InterruptedException e) {
            node.close();
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new AtollException("cannot listen on " + config.host() + ":" + config.port() + ": " + c.getMessage(),
                    "is another node running on that port? choose another with --port", c);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        try {
            node.core.attach(join.apply(node));
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        if (node.core.cluster() == Cluster.ALONE) {
            node.redeploy();
        }
        LOG.info("node {} listening on {}", config.name(), node.baseUrl());
        return node;
    }

    /** Deploys the manifest at a path; modules are paths relative to it (or sha256: references). */
    public List<String> deploy(Path manifestFile) {
        String yaml;
        try {
            yaml = Files.readString(manifestFile);
        } catch (IOException e) {
            throw new AtollException("cannot read manifest " + manifestFile + ": " + e.getMessage(), "check the path");
        }
        Manifest m = ManifestParser.parse(yaml, manifestFile.toString());
        Map<String, String> uploaded = new LinkedHashMap<>();
        Path dir = manifestFile.toAbsolutePath().getParent();
        for (AtomSpec spec : m.atoms()) {
            if (ModuleFetcher.isUrl(spec.module())) {
                byte[] bytes = ModuleFetcher.fetch(spec.module());
                uploaded.put(spec.module(), storeModule(WasmEngine.sha256(bytes), bytes));
            } else if (!spec.module().startsWith("sha256:")) {
                Path wasm = dir.resolve(spec.module());
                try {
                    byte[] bytes = Files.readAllBytes(wasm);
                    uploaded.put(spec.module(), storeModule(WasmEngine.sha256(bytes), bytes));
                } catch (IOException e) {
                    throw new AtollException(manifestFile + ": atom '" + spec.name() + "': cannot read module " + wasm,
                            "build the module first, or fix the 'module' path (relative to the manifest)");
                }
            }
        }
        return deploy(m, yaml, manifestFile.toString(), uploaded);
    }

    /**
     * Deploys a manifest whose modules were uploaded: {@code modules} maps each {@code module}
     * field as written to {@code sha256:<hex>}.
     */
    public List<String> deploy(String yaml, String file, Map<String, String> uploadedModules) {
        return deploy(ManifestParser.parse(yaml, file), yaml, file, uploadedModules);
    }

    private List<String> deploy(Manifest m, String yaml, String file, Map<String, String> uploadedModules) {
        Cluster cluster = core.cluster();
        cluster.admit(m);
        Map<String, String> modules = new LinkedHashMap<>(uploadedModules);
        List<String> atoms = deployHere(m, yaml, file, modules);
        try {
            cluster.deployed(new AppRecord(m.app(), yaml, file, modules));
        } catch (RuntimeException e) {
            undeployHere(m.app());
            throw e;
        }
        return atoms;
    }

    /**
     * Deploys, on this node only, an application the cluster shares (its modules already stored
     * here). Returns the names of the atoms started.
     */
    public List<String> deployHere(AppRecord record) {
        return deployHere(ManifestParser.parse(record.manifest(), record.file()), record.manifest(), record.file(),
                new LinkedHashMap<>(record.modules()));
    }

    private List<String> deployHere(Manifest m, String yaml, String file, Map<String, String> modules) {
        ModuleSource source = ref -> {
            String resolved = modules.getOrDefault(ref, ref);
            if (ModuleFetcher.isUrl(resolved)) {
                byte[] bytes = ModuleFetcher.fetch(resolved);
                resolved = storeModule(WasmEngine.sha256(bytes), bytes);
                modules.put(ref, resolved); // recorded with its hash: a restart does not fetch again
            }
            if (!resolved.startsWith("sha256:")) {
                throw new AtollException("module " + ref + " was not uploaded",
                        "deploy with 'atoll deploy FILE', which uploads the modules a manifest names");
            }
            modules.put(ref, resolved);
            return readModule(resolved.substring("sha256:".length()));
        };
        Application app = core.deploy(m, source);
        record(m.app(), yaml, file, modules);
        return app.definitions().stream().flatMap(d -> d.instances().isEmpty() ? java.util.stream.Stream.of(d.fullName())
                : d.instances().stream().map(Atom::name)).toList();
    }

    /** Undeploys an application from the whole cluster (from this node alone when it runs alone). */
    public boolean undeploy(String app) {
        boolean existed = core.app(app) != null;
        core.cluster().undeployed(app); // first: if the cluster cannot hear it, nothing changes here either
        undeployHere(app); // (the catalog's own notice may have done it already)
        return existed;
    }

    /** Undeploys an application on this node only. */
    public boolean undeployHere(String app) {
        boolean done = core.undeploy(app);
        try {
            Files.deleteIfExists(appsDir.resolve(app + ".json"));
        } catch (IOException e) {
            LOG.warn("cannot forget application {}: {}", app, e.getMessage());
        }
        return done;
    }

    /** Stores module bytes under their hash; returns {@code sha256:<hex>}. */
    public String storeModule(String hash, byte[] bytes) {
        if (!SHA256.matcher(hash).matches()) {
            throw new AtollException("'" + hash + "' is not a lower-case hex SHA-256", null);
        }
        String actual = WasmEngine.sha256(bytes);
        if (!actual.equals(hash)) {
            throw new AtollException("module bytes hash to " + actual + ", not " + hash, "upload the file again");
        }
        Path target = modulesDir.resolve(hash + ".wasm");
        try {
            if (!Files.exists(target)) {
                Path tmp = Files.createTempFile(modulesDir, hash, ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new AtollException("cannot store module: " + e.getMessage(), null);
        }
        return "sha256:" + hash;
    }

    /** The bytes of a module by its hex SHA-256: stored here, or fetched from the cluster and stored. */
    public byte[] moduleBytes(String hash) {
        try {
            return readModule(hash);
        } catch (AtollException notHere) {
            byte[] bytes = core.cluster().fetchModule(hash).orElseThrow(() -> notHere);
            storeModule(hash, bytes);
            return bytes;
        }
    }

    /**
     * Live update: atom {@code name}, wherever it runs, continues in the module {@code hash}
     * (uploaded to this node first), keeping its state; refused with the reasons if the layouts differ.
     */
    public io.atoll.runtime.migration.LiveUpdate.Report updateAtom(String name, String hash) {
        String hex = hash.startsWith("sha256:") ? hash.substring("sha256:".length()) : hash;
        core.cluster().shareModule(hex, readModule(hex)); // the atom's node (and later targets) fetch it
        return core.updater().update(name, hex);
    }

    /** The bytes of a stored module, by its hex SHA-256. */
    public byte[] readModule(String hash) {
        try {
            return Files.readAllBytes(modulesDir.resolve(hash + ".wasm"));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new AtollException("module sha256:" + hash + " is not on this node", "upload it: PUT /api/v1/modules/<sha256>");
        }
    }

    private void record(String app, String yaml, String file, Map<String, String> modules) {
        try {
            Files.write(appsDir.resolve(app + ".json"), new AppRecord(app, yaml, file, modules).toJson());
        } catch (IOException e) {
            LOG.warn("cannot record application {}: it will not come back after a restart: {}", app, e.getMessage());
        }
    }

    private void redeploy() {
        try (var files = Files.list(appsDir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                try {
                    deployHere(AppRecord.fromJson(Files.readAllBytes(p)));
                } catch (IOException | RuntimeException e) {
                    LOG.error("cannot redeploy {}: {}", p.getFileName(), e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.error("cannot read {}: {}", appsDir, e.getMessage());
        }
    }

    /** The record of an application deployed on this node, if any. */
    public java.util.Optional<AppRecord> recordOf(String app) {
        Path f = appsDir.resolve(app + ".json");
        try {
            return Files.exists(f) ? java.util.Optional.of(AppRecord.fromJson(Files.readAllBytes(f))) : java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** Applications recorded on this node (what it ran before a restart). */
    public List<String> recordedApps() {
        try (var files = Files.list(appsDir)) {
            return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".json"))
                    .map(f -> f.substring(0, f.length() - 5)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private String token() {
        if (config.token() != null) {
            return config.token();
        }
        Path f = config.dataDir().resolve("token");
        try {
            if (Files.exists(f)) {
                return Files.readString(f).trim();
            }
            byte[] r = new byte[24];
            new SecureRandom().nextBytes(r);
            String t = HexFormat.of().formatHex(r);
            Files.writeString(f, t + "\n", StandardCharsets.UTF_8);
            return t;
        } catch (IOException e) {
            throw new AtollException("cannot write the API token to " + f + ": " + e.getMessage(), null);
        }
    }

    public Map<String, Object> info() {
        Runtime rt = Runtime.getRuntime();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", config.name());
        m.put("zone", config.zone());
        m.put("tags", config.tags());
        m.put("version", VERSION);
        m.put("abiVersion", Abi.VERSION);
        m.put("port", port());
        m.put("uptimeMs", System.currentTimeMillis() - startedAt);
        m.put("atoms", core.directory().all().size());
        m.put("cores", rt.availableProcessors());
        m.put("load", load());
        m.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        m.put("heapMaxBytes", rt.maxMemory());
        return m;
    }

    /** This node as a member of a one-node cluster (state up). */
    private Map<String, Object> selfAsMember() {
        Map<String, Object> m = new LinkedHashMap<>(info());
        m.put("state", "up");
        m.put("address", baseUrl());
        return m;
    }

    /** Replaces the one-node view, when the node has joined a fabric. */
    public void setClusterView(ClusterView view) {
        this.cluster = view;
    }

    public ClusterView clusterView() {
        return cluster;
    }

    /** Load as the operating system reports it: the one-minute average per core (-1 if unknown). */
    public static double load() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double avg = os.getSystemLoadAverage();
        return avg < 0 ? -1 : avg / os.getAvailableProcessors();
    }

    public NodeCore core() {
        return core;
    }

    public NodeConfig config() {
        return config;
    }

    public int port() {
        HttpServer s = server;
        return s == null ? config.port() : s.actualPort();
    }

    public String baseUrl() {
        return "http://" + (config.host().contains(":") ? "[" + config.host() + "]" : config.host()) + ":" + port();
    }

    /** Returns when the node was closed, or stopped itself because an atom escalated a fault. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** True if the node stopped because an atom with recovery 'escalate' faulted. */
    public boolean escalated() {
        return escalatedBy != null;
    }

    private volatile String escalatedBy;

    private void escalated(Atom atom) {
        escalatedBy = atom.name();
        Thread.ofPlatform().name("atoll-escalate").start(this::close);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            core.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("error while stopping: {}", e.toString());
        } finally {
            store.close();
            stopped.countDown();
        }
    }
}
