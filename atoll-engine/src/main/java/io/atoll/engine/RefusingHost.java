package io.atoll.engine;

import io.atoll.abi.ErrorCode;
import java.util.List;

/** The host of a probe instance used only to read exports at deploy time: every call fails. */
final class RefusingHost implements AtomHost {
    private static HostError no() {
        return new HostError(ErrorCode.EDENIED, "probe instance");
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
