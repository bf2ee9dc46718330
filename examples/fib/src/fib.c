/*
 * fib: a long computation, written plainly. It waits for a number n, computes the n-th
 * Fibonacci number by naive recursion (about 1.6 fib(n) calls: seconds for n around 35) and
 * answers. There is no state array, no checkpoint call, nothing written for migration: its state
 * is its C call stack and locals.
 *
 * Deployed with `safe-points: anywhere` (see app.yaml), Atoll instruments it so that it can be
 * captured at any loop header or function entry, so `./atoll migrate fib/fib/0 --to NODE` moves
 * it while it computes, deep in the recursion, and it finishes on the other node with the same
 * result. Idle, it waits in receive, which is a safe point in any case.
 *
 *   ./atoll send fib/fib 32                     -> fib(32) = 2178309
 *   curl -d 32 http://127.0.0.1:8080/apps/fib/fib
 *   ./atoll send fib/fib count                  -> requests answered so far (kept in memory)
 */
#include <atoll.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N 45

__attribute__((noinline)) static uint64_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void answer(const atoll_msg *m, int status, const char *text) {
    if (atoll_msg_is_http(m)) {
        atoll_http_respond_str(m, status, "text/plain; charset=utf-8", text);
    } else {
        atoll_reply_str(m, text);
    }
}

static int serve(void) {
    atoll_msg m = ATOLL_MSG_INIT;
    uint64_t answered = 0;
    char text[96];
    for (;;) {
        if (atoll_receive(-1, &m) != 0) continue;
        const char *arg = (const char *)m.data;
        atoll_http_request req;
        if (atoll_msg_is_http(&m)) {
            if (atoll_http_parse(&m, &req) != 0) continue;
            arg = req.body;
        }
        char *end;
        long n = strtol(arg, &end, 10);
        if (strncmp(arg, "count", 5) == 0) {
            atoll_snprintf(text, sizeof text, "%llu\n", (unsigned long long)answered);
            answer(&m, 200, text);
        } else if (end == arg || n < 0 || n > MAX_N) {
            atoll_snprintf(text, sizeof text, "send a number from 0 to %d (or 'count')\n", MAX_N);
            answer(&m, 400, text);
        } else {
            uint64_t f = fib((uint32_t)n);
            answered++;
            atoll_snprintf(text, sizeof text, "fib(%ld) = %llu\n", n, (unsigned long long)f);
            answer(&m, 200, text);
        }
        if (atoll_msg_is_http(&m)) atoll_http_request_free(&req);
    }
}

ATOLL_ABI();
ATOLL_MAIN(serve);
