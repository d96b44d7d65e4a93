#ifndef AUTOGRAD_RUNTIME_H
#define AUTOGRAD_RUNTIME_H

#include <stdbool.h>

#include "autograd_gemm.h"

/// Grad mode lives in C thread-local storage: a read costs a few nanoseconds,
/// against about twenty for a Swift task-local, and every op reads it.
bool autograd_grad_mode_is_enabled(void);
void autograd_grad_mode_set_enabled(bool enabled);

/// Forward mode (jvp), per thread: the active level (0 when none) and a pause
/// flag; every op reads `autograd_forward_is_active`.
long autograd_forward_level(void);
void autograd_forward_set_level(long level);
bool autograd_forward_is_active(void);
/// Sets the pause flag and returns its previous value.
bool autograd_forward_set_paused(bool paused);

#endif
