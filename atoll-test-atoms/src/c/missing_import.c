/*
 * missing_import: a valid handler atom that also imports two functions no runtime provides,
 * atoll.does_not_exist and env.mystery. Deploying it must fail, naming both.
 */
#include <atoll.h>

__attribute__((import_module("atoll"), import_name("does_not_exist"))) int32_t
bogus_atoll_import(int32_t x);
__attribute__((import_module("env"), import_name("mystery"))) int32_t bogus_env_import(int32_t x);

static int on_message(const atoll_msg *m) {
    /* both are called (behind a condition the host controls) so the linker keeps them */
    if (m->len > 0 && m->data[0] == '!') {
        return atoll_replyf(m, "%d", bogus_atoll_import((int32_t)m->len) + bogus_env_import(1));
    }
    return atoll_reply(m, m->data, m->len);
}

ATOLL_ABI();
ATOLL_ON_MESSAGE(on_message);
