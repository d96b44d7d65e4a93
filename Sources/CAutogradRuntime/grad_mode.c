#include "autograd_runtime.h"

// Stored inverted so that a thread's zero-initialised slot means "enabled".
static _Thread_local bool grad_disabled;

bool autograd_grad_mode_is_enabled(void) { return !grad_disabled; }

void autograd_grad_mode_set_enabled(bool enabled) { grad_disabled = !enabled; }

// The forward-mode level active on this thread (0: none) and whether carrying
// tangents is paused (inside kernels and forward rules).
static _Thread_local long forward_level;
static _Thread_local bool forward_paused;

long autograd_forward_level(void) { return forward_level; }

void autograd_forward_set_level(long level) { forward_level = level; }

bool autograd_forward_is_active(void) { return forward_level != 0 && !forward_paused; }

bool autograd_forward_set_paused(bool paused) {
    bool previous = forward_paused;
    forward_paused = paused;
    return previous;
}
