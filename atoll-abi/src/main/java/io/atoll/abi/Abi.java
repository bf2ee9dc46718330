package io.atoll.abi;

/**
 * The guest ABI, version 1: import and export names, flags, kinds and error codes.
 * docs/abi.md is the prose version of this class; keep them together.
 */
public final class Abi {
    private Abi() {}

    public static final int VERSION = 1;
    public static final String IMPORT_MODULE = "atoll";
    public static final String WASI_MODULE = "wasi_snapshot_preview1";

    // Exports
    public static final String EXPORT_MEMORY = "memory";
    public static final String EXPORT_ABI_VERSION = "atoll_abi_version";
    public static final String EXPORT_ALLOC = "atoll_alloc";
    public static final String EXPORT_INITIALIZE = "_initialize";
    public static final String EXPORT_START = "_start";
    public static final String EXPORT_MAIN = "atoll_main";
    public static final String EXPORT_ON_MESSAGE = "atoll_on_message";
    public static final String EXPORT_RECOVER = "atoll_recover";

    /** Returned by {@code atoll_main}: "I have no loop, serve me handler calls". */
    public static final int MAIN_SERVE = 1;

    // Send flags
    public static final int FLAG_FIFO = 0x1;
    public static final int FLAG_ALIAS = 0x2;
    public static final int FLAG_PATTERN = 0x4;
    public static final int FLAG_HTTP_RESPONSE = 0x8;
    public static final int KNOWN_FLAGS = FLAG_FIFO | FLAG_ALIAS | FLAG_PATTERN | FLAG_HTTP_RESPONSE;

    // Envelope kinds
    public static final int KIND_MESSAGE = 0;
    public static final int KIND_HTTP_REQUEST = 1;

    // Look-up modes
    public static final int LOOKUP_EXACT = 0;
    public static final int LOOKUP_PREFIX = 1;
    public static final int LOOKUP_ALIAS = 2;
    public static final int LOOKUP_REGEX = 3;

    // Log levels
    public static final int LOG_TRACE = 0;
    public static final int LOG_DEBUG = 1;
    public static final int LOG_INFO = 2;
    public static final int LOG_WARN = 3;
    public static final int LOG_ERROR = 4;

    /** Special sender names. */
    public static final String SENDER_INGRESS = "_ingress";
    public static final String SENDER_API = "_api";
    public static final String REPLY_PREFIX = "_reply/";
}
