/*
 * no_entry: exports the ABI basics (memory, atoll_abi_version, atoll_alloc) but neither
 * atoll_main nor atoll_on_message. Deploying it must be refused.
 */
#include <atoll.h>

ATOLL_ABI();

ATOLL_EXPORT("probe_add") int32_t probe_add(int32_t a, int32_t b) { return a + b; }
