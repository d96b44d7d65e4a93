#ifndef AUTOGRAD_CFFI_SHIM_H
#define AUTOGRAD_CFFI_SHIM_H

#include <ffi.h>

// libffi's type descriptors are mutable C globals, which Swift 6 rejects as
// shared mutable state; these accessors hand out their addresses instead.
static inline ffi_type *cffi_type_void(void) { return &ffi_type_void; }
static inline ffi_type *cffi_type_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *cffi_type_sint64(void) { return &ffi_type_sint64; }
static inline ffi_type *cffi_type_float(void) { return &ffi_type_float; }
static inline ffi_type *cffi_type_double(void) { return &ffi_type_double; }
static inline ffi_type *cffi_type_pointer(void) { return &ffi_type_pointer; }

// FFI_DEFAULT_ABI is an enum-valued macro Swift does not import.
static inline ffi_abi cffi_default_abi(void) { return FFI_DEFAULT_ABI; }

#endif
