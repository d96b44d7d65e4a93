#ifndef AUTOGRAD_GUARD_PAGES_H
#define AUTOGRAD_GUARD_PAGES_H

#include <stddef.h>
#include <stdint.h>

/// Guard pages for the conformance checks: a buffer whose last byte sits just
/// before inaccessible pages, so that a kernel reading or writing past its end
/// faults at the first byte. The fault handler records the access, makes that
/// page accessible and returns, so the kernel runs on and the check reports the
/// access by row instead of the process dying. Faults anywhere else go to the
/// handler that was installed before.

/// What a recorded access did.
typedef enum {
    autograd_guard_read = 0,
    autograd_guard_write = 1,
    /// A fault whose direction the platform does not report.
    autograd_guard_access = 2,
    /// The pattern bytes before the buffer changed (found when it is freed).
    autograd_guard_write_before = 3,
} autograd_guard_kind;

typedef struct {
    uint64_t scope;
    int32_t label;
    int32_t kind;
    /// The first byte touched, relative to the buffer's first byte.
    int64_t byte_offset;
    int64_t byte_count;
} autograd_guard_fault;

/// Bytes of pattern before every buffer, at least; the data keeps the alignment of its element size.
#define AUTOGRAD_GUARD_LEAD_BYTES 64
/// How many faults the log keeps.
#define AUTOGRAD_GUARD_FAULT_CAPACITY 4096
/// The byte the space before a buffer is filled with.
#define AUTOGRAD_GUARD_PATTERN 0xA5

/// Maps a buffer of `byte_count` bytes that ends where the guard pages begin,
/// owned by `scope`; returns its first byte, or NULL when it cannot be had
/// (a size no machine has, no more address space, a full table).
void *autograd_guard_allocate(size_t byte_count, uint64_t scope);
/// Checks the pattern before the buffer (recording a write before it) and unmaps it.
void autograd_guard_free(void *data, size_t byte_count);
/// Names the buffer of `autograd_guard_allocate` with a label of its scope's (0: none).
void autograd_guard_set_label(const void *data, size_t byte_count, int32_t label);
/// How many faults have been recorded in this process; the log keeps the newest
/// AUTOGRAD_GUARD_FAULT_CAPACITY.
size_t autograd_guard_fault_count(void);
/// Reads the fault numbered `index`; 0 when it is no longer kept.
int autograd_guard_fault_at(size_t index, autograd_guard_fault *fault);

#endif
