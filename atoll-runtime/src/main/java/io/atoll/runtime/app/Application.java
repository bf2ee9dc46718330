package io.atoll.runtime.app;

import io.atoll.runtime.manifest.AtomSpec;
import io.atoll.runtime.manifest.Manifest;
import io.atoll.runtime.storage.AppKv;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A deployed application: its definitions, its HTTP routes and its storage namespace. */
public final class Application {
    /** An HTTP route of the application, resolved to its definition. */
    public record BoundRoute(AtomSpec.Route route, Definition definition) {}

    private final Manifest manifest;
    private final AppKv kv;
    private final Map<String, Definition> definitions = new LinkedHashMap<>();
    private final List<BoundRoute> routes = new ArrayList<>();

    Application(Manifest manifest, AppKv kv) {
        this.manifest = manifest;
        this.kv = kv;
    }

    void add(Definition d) {
        definitions.put(d.spec().name(), d);
        for (AtomSpec.Route r : d.spec().routes()) {
            routes.add(new BoundRoute(r, d));
        }
        routes.sort(Comparator.comparingInt((BoundRoute b) -> b.route().path().length()).reversed());
    }

    public String name() {
        return manifest.app();
    }

    public Manifest manifest() {
        return manifest;
    }

    AppKv kv() {
        return kv;
    }

    public Definition definition(String name) {
        return definitions.get(name);
    }

    public List<Definition> definitions() {
        return List.copyOf(definitions.values());
    }

    /**
     * The route for a path below {@code /apps/<app>}: the longest route path that equals the
     * path or is followed in it by '/'. Null if none.
     */
    public BoundRoute route(String path) {
        for (BoundRoute b : routes) {
            String p = b.route().path();
            if (path.equals(p) || p.equals("/") || (path.startsWith(p) && path.charAt(p.length()) == '/')) {
                return b;
            }
        }
        return null;
    }
}
