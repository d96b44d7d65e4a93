#ifndef AUTOGRAD_RUNTIME_H
#define AUTOGRAD_RUNTIME_H

#include <stdbool.h>

#include "autograd_gemm.h"

/// Grad mode lives in C thread-local storage: a read costs a few nanoseconds,
/// against about twenty for a Swift task-local, and every op reads it.
bool autograd_grad_mode_is_enabled(void);
void autograd_grad_mode_set_enabled(bool enabled);

#endif
