/* update_v2: the next version of update_v1 (adds ten times as much); same layout. */
#define VERSION "v2"
#define STEP 10
#include "update_demo.h"
