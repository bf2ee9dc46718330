/* update_bad: a version with more static data than update_v1: refused as a live update. */
#define VERSION "v3"
#define STEP 1
#define EXTRA_STATE
#include "update_demo.h"
