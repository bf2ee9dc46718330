package io.atoll.sdk;

import java.util.List;
import org.teavm.interop.Address;

/** Aliases and name look-ups, private to the application. Get it with {@link Atoll#names()}. */
public final class Names {
    static final Names INSTANCE = new Names();

    private Names() {
    }

    /** Registers an alias for this instance (many instances may share one). */
    public void alias(String name) {
        byte[] n = Codec.utf8(name);
        AtollException.check(Host.aliasAdd(Address.ofData(n).toInt(), n.length), "alias_add", name);
    }

    /** Drops an alias of this instance; {@code false} if it did not hold it. */
    public boolean unalias(String name) {
        byte[] n = Codec.utf8(name);
        int r = Host.aliasRemove(Address.ofData(n).toInt(), n.length);
        if (r == AtollError.ENOTFOUND.code()) {
            return false;
        }
        AtollException.check(r, "alias_remove", name);
        return true;
    }

    /** The matching full instance names, sorted (empty if none). */
    public List<String> lookup(LookupMode mode, String query) {
        byte[] q = Codec.utf8(query);
        int n = Host.lookup(mode.code(), Address.ofData(q).toInt(), q.length);
        if (n < 0) {
            throw new AtollException("lookup(" + mode + ", " + query + ")", n);
        }
        return Codec.lines(n == 0 ? Codec.EMPTY : Atoll.takeResult(n));
    }

    /** The instances holding an alias. */
    public List<String> holders(String alias) {
        return lookup(LookupMode.ALIAS, alias);
    }

    /** Whether an instance of that name exists. */
    public boolean exists(String name) {
        return !lookup(LookupMode.EXACT, name).isEmpty();
    }
}
