#ifndef AUTOGRAD_RUNTIME_H
#define AUTOGRAD_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autograd_gemm.h"
#include "autograd_guard_pages.h"

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

/// Writes up to `capacity` return addresses of the calling thread's stack, the
/// caller's own first, walking frame pointers; returns how many it wrote. The
/// walk stops at a frame pointer outside the thread's stack.
size_t autograd_return_addresses(uintptr_t *out, size_t capacity);

/// A per-thread cache of call-stack hashes and their identifiers (0: not cached).
uint32_t autograd_call_site_cache_lookup(uint64_t hash);
void autograd_call_site_cache_store(uint64_t hash, uint32_t id);

/// The gradient-checkpointing frame recording on this thread (NULL: none), and
/// its setter, which returns the previous one.
void *autograd_checkpoint_frame(void);
void *autograd_checkpoint_set_frame(void *frame);

/// Anomaly detection, per thread: whether backward checks every gradient for NaN and infinity.
bool autograd_anomaly_detection_is_enabled(void);
/// Sets the flag and returns its previous value.
bool autograd_anomaly_detection_set_enabled(bool enabled);

/// An acquiring load and a releasing compare-and-swap of a pointer slot: for
/// tables that Swift code publishes into without a lock (Swift's `Atomic` cannot
/// live in an array).
static inline void *autograd_atomic_load_pointer(void *const *slot) {
    return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

static inline bool autograd_atomic_publish_pointer(void **slot, void *expected, void *desired) {
    return __atomic_compare_exchange_n(slot, &expected, desired, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

#endif
