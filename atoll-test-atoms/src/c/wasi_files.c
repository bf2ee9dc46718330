/*
 * wasi_files: a handler atom that uses a granted WASI directory through libc.
 *   "write <path> <text>" -> writes <text> to <path>, answers "ok" or "error <errno text>"
 *   "read <path>"         -> answers the file's contents, or "error <errno text>"
 * Needs the manifest capability `wasi` and a `files:` grant for the directory.
 */
#include <atoll.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int answer_errno(const atoll_msg *m) {
    return atoll_replyf(m, "error %s", strerror(errno));
}

static int on_message(const atoll_msg *m) {
    char *text = strndup(m->data, m->len);
    char *verb = strtok(text, " ");
    char *path = strtok(NULL, " ");
    int r;
    if (verb == NULL || path == NULL) {
        r = atoll_reply_str(m, "usage: write <path> <text> | read <path>");
    } else if (strcmp(verb, "write") == 0) {
        char *rest = strtok(NULL, "");
        FILE *f = fopen(path, "w");
        if (f == NULL) {
            r = answer_errno(m);
        } else {
            fputs(rest ? rest : "", f);
            fclose(f);
            r = atoll_reply_str(m, "ok");
        }
    } else {
        char buf[4096];
        size_t n;
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            r = answer_errno(m);
        } else {
            n = fread(buf, 1, sizeof buf, f);
            fclose(f);
            r = atoll_reply(m, buf, n);
        }
    }
    free(text);
    return r;
}

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
