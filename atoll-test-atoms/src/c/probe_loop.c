/* probe_loop: the probe's commands, loop style (atoll_main loops on atoll_receive(-1)). */
#include "probe_cmd.h"

static int run(void) {
    atoll_msg m = ATOLL_MSG_INIT;
    for (;;) {
        int code = 0;
        int r = atoll_receive(-1, &m);
        if (r == ATOLL_ETIMEOUT) continue;
        if (r < 0) {
            atoll_logf(ATOLL_LOG_ERROR, "receive failed: %d %s", r, atoll_strerror(r));
            atoll_msg_free(&m);
            return 3;
        }
        if (probe_handle(&m, &code)) {
            atoll_msg_free(&m);
            return code;
        }
    }
}

ATOLL_ABI();
ATOLL_MAIN(run);
ATOLL_ON_RECOVER(probe_recover);
