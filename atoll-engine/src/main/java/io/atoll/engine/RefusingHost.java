package io.atoll.engine;

import io.atoll.abi.ErrorCode;
import java.util.List;

/**
 * A host whose every call fails (log is dropped): for instances that only run exports, such as the
 * deploy-time probe of {@code atoll_abi_version} or benchmark kernels. {@link #endingAtFirstCall()}
 * ends the instance instead (an exit the guest cannot catch): {@link ModuleStyle}'s probe.
 */
public final class RefusingHost implements AtomHost {
    private final boolean ends;

    public RefusingHost() {
        this(false);
    }

    private RefusingHost(boolean ends) {
        this.ends = ends;
    }

    static RefusingHost endingAtFirstCall() {
        return new RefusingHost(true);
    }

    private RuntimeException no() {
        return ends ? new AtomExit(-1) : new HostError(ErrorCode.EDENIED, "no host: this instance only runs exports");
    }

    @Override public int send(String to, byte[] payload, int flags, long correlation) { throw no(); }
    @Override public byte[] receive(long timeoutMs) { throw no(); }
    @Override public void aliasAdd(String alias) { throw no(); }
    @Override public void aliasRemove(String alias) { throw no(); }
    @Override public List<String> lookup(int mode, String query) { throw no(); }
    @Override public String selfName() { throw no(); }
    @Override public String spawn(String definition) { throw no(); }
    @Override public byte[] kvGet(byte[] key) { throw no(); }
    @Override public void kvPut(byte[] key, byte[] value) { throw no(); }
    @Override public void kvDelete(byte[] key) { throw no(); }
    @Override public byte[] kvScan(byte[] prefix, int limit) { throw no(); }
    @Override public void log(int level, String text) {}
    @Override public void exit(int code) { throw new AtomExit(code); }
}
