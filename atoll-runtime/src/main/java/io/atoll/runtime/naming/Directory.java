package io.atoll.runtime.naming;

import io.atoll.abi.ErrorCode;
import io.atoll.abi.NameLookup;
import io.atoll.engine.HostError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Where names live: full instance names ({@code app/def/instance}) and per-application aliases,
 * mapped to an address. Today every address is a local atom; the cluster adds remote ones
 * behind the same look-ups. Thread-safe. Knows nothing about delivery.
 *
 * @param <A> the address type (a local atom on one node)
 */
public final class Directory<A> {
    private final ConcurrentSkipListMap<String, A> names = new ConcurrentSkipListMap<>();
    private final Map<String, Map<String, Set<String>>> aliases = new ConcurrentHashMap<>();

    public void register(String name, A address) {
        if (names.putIfAbsent(name, address) != null) {
            throw new IllegalStateException("name already registered: " + name);
        }
    }

    /** Removes a name and every alias it held. */
    public void unregister(String name) {
        names.remove(name);
        Map<String, Set<String>> appAliases = aliases.get(app(name));
        if (appAliases != null) {
            appAliases.values().forEach(members -> members.remove(name));
        }
    }

    public A get(String name) {
        return names.get(name);
    }

    public void addAlias(String name, String alias) {
        aliases.computeIfAbsent(app(name), a -> new ConcurrentHashMap<>())
                .computeIfAbsent(alias, a -> ConcurrentHashMap.newKeySet())
                .add(name);
    }

    /** @return false if the name did not hold the alias */
    public boolean removeAlias(String name, String alias) {
        var members = aliases.getOrDefault(app(name), Map.of()).get(alias);
        return members != null && members.remove(name);
    }

    /** Names holding an alias in an application, sorted. */
    public List<String> aliasMembers(String app, String alias) {
        var members = aliases.getOrDefault(app, Map.of()).get(alias);
        return members == null ? List.of() : members.stream().sorted().toList();
    }

    /** Aliases held by a name. */
    public List<String> aliasesOf(String name) {
        List<String> out = new ArrayList<>();
        aliases.getOrDefault(app(name), Map.of()).forEach((alias, members) -> {
            if (members.contains(name)) {
                out.add(alias);
            }
        });
        out.sort(null);
        return out;
    }

    /**
     * A look-up from inside application {@code app} (docs/abi.md §2): only that application's
     * names are visible. Queries may be full ({@code app/def/i}) or relative ({@code def/i}).
     */
    public List<String> lookup(String app, int mode, String query) {
        try {
            return NameLookup.lookup(names, this::aliasMembers, app, mode, query);
        } catch (IllegalArgumentException e) {
            throw new HostError(ErrorCode.EINVAL, e.getMessage());
        }
    }

    public List<String> all() {
        return List.copyOf(names.keySet());
    }

    public static String app(String name) {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }
}
