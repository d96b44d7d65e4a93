#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dlopen'ed shared object. It is never closed once its kernels are
/// registered: the registry holds function pointers into it for good.
final class PluginLibrary: @unchecked Sendable {
    /// Only passed to dlsym, which is thread-safe.
    let handle: UnsafeMutableRawPointer
    /// What the caller named: a path or a soname.
    let name: String
    private let lastErrorFunction: (@convention(c) () -> UnsafePointer<CChar>?)?

    /// Opens `name` with RTLD_NOW | RTLD_LOCAL, or throws with the loader's message.
    init(opening name: String, diagnostics: PluginDiagnostics, field: String? = nil) throws {
        // A path (not a soname the loader searches for) is checked first: a truncated file crashes dlopen.
        if name.contains("/"), let why = SharedObjectHeader.truncation(atPath: name) {
            throw diagnostics.error("cannot load '\(abbreviated(name))' as a shared object: \(why)", field: field)
        }
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
            throw diagnostics.error("cannot load '\(abbreviated(name))' as a shared object: \(abbreviated(Self.dlerrorMessage()))", field: field)
        }
        self.handle = handle
        self.name = name
        lastErrorFunction = dlsym(handle, "autograd_plugin_last_error").map {
            unsafeBitCast($0, to: (@convention(c) () -> UnsafePointer<CChar>?).self)
        }
    }

    /// Drops this reference, for a load that failed before anything was registered.
    func close() { dlclose(handle) }

    func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }

    /// What a failed call adds to its error: the plugin's message, or why there is none.
    func lastErrorSuffix() -> String {
        guard let lastErrorFunction else { return " (the plugin exports no autograd_plugin_last_error)" }
        guard let message = lastErrorFunction() else { return " (its autograd_plugin_last_error returned NULL)" }
        return ": " + String(cString: message)
    }

    static func dlerrorMessage() -> String {
        dlerror().map { String(cString: $0) } ?? "unknown error"
    }
}
