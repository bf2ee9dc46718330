package io.atoll.abi;

import java.util.List;
import java.util.NavigableMap;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The look-up semantics of docs/abi.md §2, in one place, so that the one-node directory and the
 * cluster directory give the same answers: a look-up from inside application {@code app} sees
 * only that application's names; queries may be full ({@code app/def/i}) or relative
 * ({@code def/i}); results are sorted.
 */
public final class NameLookup {
    private NameLookup() {}

    /**
     * @param names every registered full name (sorted), mapped to anything
     * @param aliasMembers (app, alias) to the sorted names holding it
     * @throws IllegalArgumentException for an unknown mode or a bad regular expression
     */
    public static List<String> lookup(NavigableMap<String, ?> names, BiFunction<String, String, List<String>> aliasMembers,
            String app, int mode, String query) {
        String scope = app + "/";
        return switch (mode) {
            case Abi.LOOKUP_EXACT -> {
                String full = query.startsWith(scope) ? query : scope + query;
                yield names.containsKey(full) ? List.of(full) : List.of();
            }
            case Abi.LOOKUP_PREFIX -> {
                String p = query.startsWith(scope) ? query : scope + query;
                yield List.copyOf(names.subMap(p, true, p + Character.MAX_VALUE, true).keySet());
            }
            case Abi.LOOKUP_ALIAS -> aliasMembers.apply(app, query);
            case Abi.LOOKUP_REGEX -> {
                Pattern pattern = compile(query);
                // a pattern may be written for the full name or for the name within the application
                yield names.subMap(scope, true, scope + Character.MAX_VALUE, true).keySet().stream()
                        .filter(n -> pattern.matcher(n).matches() || pattern.matcher(n.substring(scope.length())).matches())
                        .toList();
            }
            default -> throw new IllegalArgumentException("unknown look-up mode " + mode);
        };
    }

    /** @throws IllegalArgumentException naming what is wrong with the expression */
    public static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regular expression: " + e.getDescription());
        }
    }
}
