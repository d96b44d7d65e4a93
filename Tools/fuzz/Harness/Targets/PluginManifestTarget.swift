import Autograd
import Synchronization

extension FuzzTarget {
    /// The plugin manifest parser and binder: an input is a manifest's JSON, loaded
    /// as a sidecar and as an embedded manifest (at most one can parse: a sidecar
    /// must name its library, an embedded manifest must not), its symbols bound in
    /// the stub library.
    static let pluginManifest = FuzzTarget(name: "plugin-manifest", maxLength: 8192) { bytes in
        builtinsRegistry.withLock { registry in
            for isSidecar in [true, false] {
                let loaded = try? registry.loadManifest(bytes, file: "fuzz.json", isSidecar: isSidecar,
                                                        bindingIn: StubLibrary.path)
                if loaded != nil { registry = OpRegistry.withBuiltins() }
            }
        }
    }
}

/// A registry of the built-in ops, shared by inputs until one registers something.
/// A failed load leaves a registry as it was, and building one takes milliseconds,
/// most of an input's time were each to build its own.
private let builtinsRegistry = Mutex(OpRegistry.withBuiltins())
