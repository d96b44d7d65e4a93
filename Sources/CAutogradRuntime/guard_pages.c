#define _GNU_SOURCE
#include "autograd_guard_pages.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

// Pages past every buffer, so that a stride that jumps over the first page
// still lands in one (a store 4 KB past a short output, say).
#define GUARD_PAGES 16
// Live guarded buffers at once; a checked call holds far fewer.
#define TABLE_CAPACITY (1 << 16)
#define FAULT_CAPACITY AUTOGRAD_GUARD_FAULT_CAPACITY
#define EMPTY ((uintptr_t)0)
#define REMOVED ((uintptr_t)1)

// One live buffer, found by the address of its first guard page. The handler
// reads it without a lock: `guard` is published last and cleared first.
typedef struct {
    uintptr_t guard;
    uintptr_t region;
    size_t region_bytes;
    uintptr_t data;
    size_t byte_count;
    uint64_t scope;
    int32_t label;
    /// Set by the handler once it has opened one of the guard pages.
    int32_t opened;
} entry;

static entry table[TABLE_CAPACITY];
// A ring: the newest FAULT_CAPACITY faults, each slot stamped with its number + 1
// once written, so that a reader never takes a half-written one.
static autograd_guard_fault faults[FAULT_CAPACITY];
static size_t stamps[FAULT_CAPACITY];
static size_t fault_count;
static size_t page_size;
static struct sigaction previous_segv, previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

// Freed regions whose guard pages are intact, kept for the next buffer of as many
// data pages: a checked run allocates the same sizes over and over (millions of
// elements in the large row), and a fresh mapping costs system calls and a page
// fault per page touched.
// Small regions (the most common by far) in a stack per size, larger ones in one
// list matched by size; all within one budget of bytes.
#define SMALL_PAGES 16
#define SMALL_ENTRIES 1024
#define LARGE_ENTRIES 256
#define CACHE_BYTES ((size_t)256 << 20)
static uintptr_t small_cache[SMALL_PAGES + 1][SMALL_ENTRIES];
static int small_count[SMALL_PAGES + 1];
static struct { uintptr_t region; size_t data_pages; } large_cache[LARGE_ENTRIES];
static int large_count;
static size_t cache_bytes;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static uintptr_t cache_take(size_t data_pages) {
    uintptr_t region = 0;
    pthread_mutex_lock(&cache_lock);
    if (data_pages <= SMALL_PAGES) {
        if (small_count[data_pages] > 0) region = small_cache[data_pages][--small_count[data_pages]];
    } else {
        for (int i = large_count - 1; i >= 0; i--) {
            if (large_cache[i].data_pages != data_pages) continue;
            region = large_cache[i].region;
            large_cache[i] = large_cache[--large_count];
            break;
        }
    }
    if (region) cache_bytes -= data_pages * page_size;
    pthread_mutex_unlock(&cache_lock);
    return region;
}

static bool cache_give(uintptr_t region, size_t data_pages) {
    bool kept = false;
    pthread_mutex_lock(&cache_lock);
    if (cache_bytes + data_pages * page_size <= CACHE_BYTES) {
        if (data_pages <= SMALL_PAGES && small_count[data_pages] < SMALL_ENTRIES) {
            small_cache[data_pages][small_count[data_pages]++] = region;
            kept = true;
        } else if (data_pages > SMALL_PAGES && large_count < LARGE_ENTRIES) {
            large_cache[large_count].region = region;
            large_cache[large_count++].data_pages = data_pages;
            kept = true;
        }
    }
    if (kept) cache_bytes += data_pages * page_size;
    pthread_mutex_unlock(&cache_lock);
    return kept;
}

static size_t slot_of(uintptr_t guard) { return (guard / page_size) * 0x9E3779B97F4A7C15ull >> 48; }

static entry *find_guard(uintptr_t guard) {
    for (size_t i = slot_of(guard), n = 0; n < TABLE_CAPACITY; i = (i + 1) % TABLE_CAPACITY, n++) {
        uintptr_t key = __atomic_load_n(&table[i].guard, __ATOMIC_ACQUIRE);
        if (key == guard) return &table[i];
        if (key == EMPTY) return NULL;
    }
    return NULL;
}

static entry *find_data(const void *data, size_t byte_count) {
    return find_guard((uintptr_t)data + byte_count);
}

static void record(const entry *e, int32_t kind, int64_t offset) {
    size_t index = __atomic_fetch_add(&fault_count, 1, __ATOMIC_ACQ_REL);
    size_t slot = index % FAULT_CAPACITY;
    __atomic_store_n(&stamps[slot], 0, __ATOMIC_RELEASE);
    faults[slot] = (autograd_guard_fault){e->scope, __atomic_load_n(&e->label, __ATOMIC_RELAXED), kind, offset,
                                          (int64_t)e->byte_count};
    __atomic_store_n(&stamps[slot], index + 1, __ATOMIC_RELEASE);
}

static void on_fault(int signal, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    uintptr_t page = address & ~(uintptr_t)(page_size - 1);
    for (size_t k = 0; k < GUARD_PAGES && page >= k * page_size; k++) {
        entry *e = find_guard(page - k * page_size);
        if (!e) continue;
        int32_t kind = autograd_guard_access;
#if defined(__x86_64__)
        // Bit 1 of the page-fault error code: the access was a write.
        kind = (((ucontext_t *)context)->uc_mcontext.gregs[REG_ERR] & 2) ? autograd_guard_write : autograd_guard_read;
#else
        (void)context;
#endif
        record(e, kind, (int64_t)(address - e->data));
        __atomic_store_n(&e->opened, 1, __ATOMIC_RELAXED);
        // Let the kernel run on: the page reads as zeros (or what an earlier stray store left).
        if (mprotect((void *)page, page_size, PROT_READ | PROT_WRITE) == 0) return;
        break;
    }
    // Not ours: the previous handler (or the default action) takes the fault when it recurs.
    sigaction(signal, signal == SIGBUS ? &previous_bus : &previous_segv, NULL);
}

static void install(void) {
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, &previous_segv);
    sigaction(SIGBUS, &action, &previous_bus);
}

void *autograd_guard_allocate(size_t byte_count, uint64_t scope) {
    pthread_once(&install_once, install);
    size_t lead = byte_count + AUTOGRAD_GUARD_LEAD_BYTES;
    if (lead < byte_count || lead > SIZE_MAX / 2) return NULL;
    size_t data_pages = (lead + page_size - 1) / page_size;
    size_t region_bytes = (data_pages + GUARD_PAGES) * page_size;
    uintptr_t region = cache_take(data_pages);
    if (!region) {
        void *mapped = mmap(NULL, region_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapped == MAP_FAILED) return NULL;
        region = (uintptr_t)mapped;
        if (mprotect((void *)(region + data_pages * page_size), GUARD_PAGES * page_size, PROT_NONE) != 0) {
            munmap(mapped, region_bytes);
            return NULL;
        }
    }
    uintptr_t guard = region + data_pages * page_size;
    uintptr_t data = guard - byte_count;
    memset((void *)region, AUTOGRAD_GUARD_PATTERN, data - region);
    for (size_t i = slot_of(guard), n = 0; n < TABLE_CAPACITY; i = (i + 1) % TABLE_CAPACITY, n++) {
        uintptr_t key = __atomic_load_n(&table[i].guard, __ATOMIC_ACQUIRE);
        if (key != EMPTY && key != REMOVED) continue;
        // Claim the slot with a value no guard page has, fill it, then publish.
        if (!__atomic_compare_exchange_n(&table[i].guard, &key, REMOVED + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) continue;
        table[i].region = region;
        table[i].region_bytes = region_bytes;
        table[i].data = data;
        table[i].byte_count = byte_count;
        table[i].scope = scope;
        __atomic_store_n(&table[i].label, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&table[i].opened, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&table[i].guard, guard, __ATOMIC_RELEASE);
        return (void *)data;
    }
    munmap((void *)region, region_bytes);
    return NULL;
}

void autograd_guard_set_label(const void *data, size_t byte_count, int32_t label) {
    entry *e = find_data(data, byte_count);
    if (e) __atomic_store_n(&e->label, label, __ATOMIC_RELAXED);
}

void autograd_guard_free(void *data, size_t byte_count) {
    entry *e = find_data(data, byte_count);
    if (!e) return;
    const unsigned char *lead = (const unsigned char *)e->region;
    for (uintptr_t p = e->region; p < e->data; p++) {
        if (lead[p - e->region] != AUTOGRAD_GUARD_PATTERN) {
            record(e, autograd_guard_write_before, (int64_t)p - (int64_t)e->data);
            break;
        }
    }
    uintptr_t region = e->region;
    size_t region_bytes = e->region_bytes;
    bool intact = !__atomic_load_n(&e->opened, __ATOMIC_RELAXED);
    __atomic_store_n(&e->guard, REMOVED, __ATOMIC_RELEASE);
    if (intact && cache_give(region, region_bytes / page_size - GUARD_PAGES)) return;
    munmap((void *)region, region_bytes);
}

size_t autograd_guard_fault_count(void) { return __atomic_load_n(&fault_count, __ATOMIC_ACQUIRE); }

int autograd_guard_fault_at(size_t index, autograd_guard_fault *fault) {
    size_t slot = index % FAULT_CAPACITY;
    if (__atomic_load_n(&stamps[slot], __ATOMIC_ACQUIRE) != index + 1) return 0;
    *fault = faults[slot];
    return __atomic_load_n(&stamps[slot], __ATOMIC_ACQUIRE) == index + 1;
}
