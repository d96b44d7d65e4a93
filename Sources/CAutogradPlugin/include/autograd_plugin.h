#ifndef AUTOGRAD_PLUGIN_H
#define AUTOGRAD_PLUGIN_H

/// The ABI a plugin speaks: the manifest's "abi" field. The host refuses a
/// manifest whose version it does not speak, naming both versions.
#define AUTOGRAD_PLUGIN_ABI_VERSION 1

/// The host's minor version of that ABI: what it adds to the manifest only ever
/// adds, so every manifest of an older minor version still loads. A manifest that
/// needs newer fields declares the least minor version it needs ("abi_minor"),
/// and an older host refuses it naming both versions instead of failing on a
/// field it does not know.
///   1.0  the first manifests.
///   1.1  arithmetic in output sizes and integer arguments; inputs declared as
///        objects with "ndim"; "abi_minor".
///   1.2  backward formulas; "map" (a scalar C function per element); "returns"
///        f32 or f64 (the op's 0-d value); "init_out"; an input's "shape" rule;
///        int64 and bool inputs ("dtype"); optional inputs (a null pointer when
///        omitted); string attributes (ptr:attr.<name>); several "outputs".
///   1.3  list inputs ("list": true): ptr:xs (an array of data pointers),
///        len(xs), ptr:numels(xs) (an int64 array), ptr:grad_xs (an array of
///        gradient buffers); forward-mode rules as formulas ("jvp").
#define AUTOGRAD_PLUGIN_ABI_MINOR 3

/// Marks a function the host looks up with dlsym.
#if defined(__GNUC__)
#define AUTOGRAD_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define AUTOGRAD_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// What a kernel declared with `"returns": "i32"` returns. Any non-zero value
/// becomes a thrown error carrying the op's name and autograd_plugin_last_error().
enum autograd_plugin_status {
    AUTOGRAD_PLUGIN_OK = 0,
    AUTOGRAD_PLUGIN_ERROR = 1,
    AUTOGRAD_PLUGIN_INVALID_ARGUMENT = 2,
    AUTOGRAD_PLUGIN_OUT_OF_MEMORY = 3,
    AUTOGRAD_PLUGIN_UNSUPPORTED = 4,
};

/// The plugin's manifest: a NUL-terminated JSON document that lives as long
/// as the library stays loaded. Required unless a sidecar .json is shipped.
AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void);

/// Optional: a message about the last failing call on the calling thread, or
/// NULL. The host reads it right after a kernel returns a non-zero status.
AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_last_error(void);

/// The name of a status code ("AUTOGRAD_PLUGIN_INVALID_ARGUMENT"), or
/// "unknown status" for a value not listed above.
const char *autograd_plugin_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
