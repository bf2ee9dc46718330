/* update_v1: see update_demo.h. */
#define VERSION "v1"
#define STEP 1
#include "update_demo.h"
