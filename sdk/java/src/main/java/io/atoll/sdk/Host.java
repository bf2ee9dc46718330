package io.atoll.sdk;

import org.teavm.interop.Import;

/**
 * The {@code atoll} imports of ABI version 1 (docs/abi.md §2), one to one. Pointers are addresses
 * in linear memory: callers take them with {@code Address.ofData(array).toInt()} right before the
 * call, because TeaVM's garbage collector moves objects whenever the guest allocates.
 */
final class Host {
    private Host() {
    }

    @Import(module = "atoll", name = "take")
    static native int take(int ptr, int cap);

    @Import(module = "atoll", name = "send")
    static native int send(int toPtr, int toLen, int dataPtr, int dataLen, int flags, long correlation);

    @Import(module = "atoll", name = "receive")
    static native int receive(long timeoutMs);

    @Import(module = "atoll", name = "alias_add")
    static native int aliasAdd(int namePtr, int nameLen);

    @Import(module = "atoll", name = "alias_remove")
    static native int aliasRemove(int namePtr, int nameLen);

    @Import(module = "atoll", name = "lookup")
    static native int lookup(int mode, int queryPtr, int queryLen);

    @Import(module = "atoll", name = "self_name")
    static native int selfName();

    @Import(module = "atoll", name = "spawn")
    static native int spawn(int defPtr, int defLen);

    @Import(module = "atoll", name = "kv_get")
    static native int kvGet(int keyPtr, int keyLen);

    @Import(module = "atoll", name = "kv_put")
    static native int kvPut(int keyPtr, int keyLen, int valPtr, int valLen);

    @Import(module = "atoll", name = "kv_delete")
    static native int kvDelete(int keyPtr, int keyLen);

    @Import(module = "atoll", name = "kv_scan")
    static native int kvScan(int prefixPtr, int prefixLen, int limit);

    @Import(module = "atoll", name = "clock_wall")
    static native long clockWall();

    @Import(module = "atoll", name = "clock_monotonic")
    static native long clockMonotonic();

    @Import(module = "atoll", name = "random")
    static native int random(int ptr, int len);

    @Import(module = "atoll", name = "log")
    static native int log(int level, int ptr, int len);

    @Import(module = "atoll", name = "exit")
    static native void exit(int code);
}
