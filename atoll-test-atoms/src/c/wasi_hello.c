/*
 * wasi_hello: a handler atom that uses WASI through libc: each message prints
 * "hello from wasi" to stdout (fd_write) and is answered "printed".
 * Needs the manifest capability `wasi`.
 */
#include <atoll.h>
#include <stdio.h>

static int on_message(const atoll_msg *m) {
    printf("hello from wasi\n");
    fflush(stdout); /* stdout is fully buffered when it is not a terminal */
    return atoll_reply_str(m, "printed");
}

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
