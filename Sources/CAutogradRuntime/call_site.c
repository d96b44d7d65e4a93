// The return addresses of the calling thread's stack, by frame pointers: what
// a node remembers of where its op was called, at a few nanoseconds a frame.

#define _GNU_SOURCE
#include "autograd_runtime.h"

#include <pthread.h>
#include <stdint.h>

// The calling thread's stack, found once per thread: a frame pointer outside it
// (code built without frame pointers) ends the walk instead of faulting.
static _Thread_local uintptr_t stack_low, stack_high;

static void find_stack(void) {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) { stack_high = 1; return; }
    void *base = 0;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &base, &size) == 0) {
        stack_low = (uintptr_t)base;
        stack_high = (uintptr_t)base + size;
    } else {
        stack_high = 1;
    }
    pthread_attr_destroy(&attr);
}

__attribute__((noinline))
size_t autograd_return_addresses(uintptr_t *out, size_t capacity) {
    if (stack_high == 0) find_stack();
    uintptr_t *frame = (uintptr_t *)__builtin_frame_address(0);
    size_t count = 0;
    while (count < capacity) {
        uintptr_t address = (uintptr_t)frame;
        if (address < stack_low || address + 2 * sizeof(uintptr_t) > stack_high || address % sizeof(uintptr_t) != 0) break;
        uintptr_t next = frame[0], returnAddress = frame[1];
        if (returnAddress == 0) break;
        out[count++] = returnAddress;
        // Frames grow toward higher addresses as the walk goes up; anything else is not a frame chain.
        if (next <= address) break;
        frame = (uintptr_t *)next;
    }
    return count;
}

// Anomaly detection, per thread (see withAnomalyDetection).
static _Thread_local bool anomaly_detection;

bool autograd_anomaly_detection_is_enabled(void) { return anomaly_detection; }

bool autograd_anomaly_detection_set_enabled(bool enabled) {
    bool previous = anomaly_detection;
    anomaly_detection = enabled;
    return previous;
}

// Recent call stacks of this thread, by hash: a direct-mapped cache in front of
// the process-wide table (CallSites.swift), so a loop's ops take no lock.
enum { call_site_slots = 64 };
static _Thread_local struct { uint64_t hash; uint32_t id; } call_site_cache[call_site_slots];

uint32_t autograd_call_site_cache_lookup(uint64_t hash) {
    size_t slot = (size_t)(hash ^ (hash >> 29)) % call_site_slots;
    return call_site_cache[slot].hash == hash ? call_site_cache[slot].id : 0;
}

void autograd_call_site_cache_store(uint64_t hash, uint32_t id) {
    size_t slot = (size_t)(hash ^ (hash >> 29)) % call_site_slots;
    call_site_cache[slot].hash = hash;
    call_site_cache[slot].id = id;
}

// The gradient-checkpointing frame active on this thread (see Checkpoint.swift), or NULL.
static _Thread_local void *checkpoint_frame;

void *autograd_checkpoint_frame(void) { return checkpoint_frame; }

void *autograd_checkpoint_set_frame(void *frame) {
    void *previous = checkpoint_frame;
    checkpoint_frame = frame;
    return previous;
}
