// Intentionally empty: the target exists only to export the system headers in include/CTandemSystem.h.
#include "CTandemSystem.h"
