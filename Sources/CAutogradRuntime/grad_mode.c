#include "autograd_runtime.h"

// Stored inverted so that a thread's zero-initialised slot means "enabled".
static _Thread_local bool grad_disabled;

bool autograd_grad_mode_is_enabled(void) { return !grad_disabled; }

void autograd_grad_mode_set_enabled(bool enabled) { grad_disabled = !enabled; }
