/* probe: a scriptable test atom, handler style (exports atoll_on_message). */
#include "probe_cmd.h"

static int on_message(const atoll_msg *m) {
    int code = 0;
    if (probe_handle(m, &code)) return code;
    return 0;
}

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
ATOLL_ON_RECOVER(probe_recover);
