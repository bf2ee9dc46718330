/*
 * update_demo: the body of the live-update test atoms (handler style). Each version includes this
 * file after defining VERSION (a 2-character tag) and STEP; their code differs, their data layout
 * does not (same strings lengths, same statics), so one can continue in the other.
 *   "add N"  -> total += N * STEP, answers "<VERSION> total=<total> events=<events>"
 *   "show"   -> the same answer without adding
 */
#include <atoll.h>
#include <stdlib.h>
#include <string.h>

static uint64_t total;  /* the state that must survive an update */
static uint64_t events;
#ifdef EXTRA_STATE
static char extra[4096] = "a static table the other versions do not have";
#endif

static int on_message(const atoll_msg *m) {
    const char *text = (const char *)m->data;
    events++;
    if (strncmp(text, "add ", 4) == 0) total += (uint64_t)strtoull(text + 4, NULL, 10) * STEP;
#ifdef EXTRA_STATE
    if (strncmp(text, "extra", 5) == 0) return atoll_reply_str(m, extra) < 0;
#endif
    atoll_replyf(m, "%s total=%llu events=%llu", VERSION, (unsigned long long)total, (unsigned long long)events);
    return 0;
}

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
