import Foundation
import OpenBLASBinding

extension OpRegistry {
    /// Loads a C kernel plugin: registers its ops and kernel overrides, all or none.
    ///
    /// `path` is a shared object that exports `autograd_plugin_manifest()` (or has
    /// a sidecar `<name>.json` beside it, for `lib<name>.so`), or a sidecar `.json`
    /// manifest whose `library` names the shared object: a path relative to the
    /// manifest, an absolute path, or a soname the dynamic loader resolves.
    /// `path` itself is a file: a bare name (`libfoo.so`) is looked up in the
    /// current directory, as `./libfoo.so`, never on the loader's search path.
    /// A library that embeds a manifest and also has a sidecar beside it is
    /// refused as ambiguous: load the sidecar by its path, or remove one.
    /// The README's "C kernel plugins" section documents the manifest.
    ///
    /// ```swift
    /// let plugin = try OpRegistry.shared.loadPlugin(at: "libAutogradActivations.so")
    /// let y = try OpRegistry.shared.call("act.softplus", [x], attributes: ["beta": 2.0])
    /// ```
    ///
    /// Loading a file this registry has loaded before (by any path that resolves
    /// to it) does nothing and returns the first load's result.
    ///
    /// - Throws: `AutogradError` of kind `.plugin` naming the file, and where it
    ///   applies the op and the manifest field: a missing file, a file that is not
    ///   a shared object, no manifest, malformed JSON, an unknown field or argument
    ///   term, a missing symbol, arguments that do not fit the op's inputs, an ABI
    ///   this host does not speak, an op name already registered. The registry is
    ///   then left as it was.
    @discardableResult
    public func loadPlugin(at path: String) throws -> LoadedPlugin {
        let diagnostics = PluginDiagnostics(file: path)
        guard FileManager.default.fileExists(atPath: path) else {
            let directory = FileManager.default.currentDirectoryPath
            throw diagnostics.error(path.hasPrefix("/") ? "no such file" : "no such file (a relative path starts at the current directory, \(directory))")
        }
        // dlopen searches the loader's path for a name without a slash; the caller means this file.
        let path = path.contains("/") ? path : "./" + path
        let canonical = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return try loadingOnce(key: canonical) {
            path.hasSuffix(".json")
                ? try loadSidecar(try readFile(path, diagnostics), diagnostics: diagnostics, path: canonical,
                                  directory: URL(fileURLWithPath: canonical).deletingLastPathComponent().path)
                : try loadSharedObject(path, diagnostics: diagnostics, path: canonical)
        }
    }

    /// Loads the OpenBLAS binding when the system has `libopenblas.so.0`; nil, and
    /// nothing registered, when it cannot be used, so the Swift kernels run.
    @discardableResult
    func loadDefaultBinding(_ manifest: [UInt8] = OpenBLASBinding.manifest,
                            name: String = OpenBLASBinding.manifestName) -> LoadedPlugin? {
        let diagnostics = PluginDiagnostics(file: name)
        return try? loadingOnce(key: name) {
            try loadSidecar(manifest, diagnostics: diagnostics, path: name, directory: nil)
        }
    }

    private func loadingOnce(key: String, _ load: () throws -> LoadedPlugin) throws -> LoadedPlugin {
        // Loads into one registry run one at a time, so two of the same file cannot race.
        try loadedPlugins.withLock { loaded in
            if let existing = loaded[key] { return existing }
            let plugin = try load()
            loaded[key] = plugin
            return plugin
        }
    }

    private func loadSharedObject(_ file: String, diagnostics: PluginDiagnostics, path: String) throws -> LoadedPlugin {
        let library = try PluginLibrary(opening: file, diagnostics: diagnostics)
        do {
            let manifest: PluginManifest
            let sidecar = Self.sidecarPath(of: file)
            if let entry = library.symbol("autograd_plugin_manifest") {
                guard !FileManager.default.fileExists(atPath: sidecar) else {
                    throw diagnostics.error("""
                        the library exports autograd_plugin_manifest() and has a sidecar manifest \(sidecar) \
                        beside it; load the sidecar by its path to use it, or remove one of the two
                        """)
                }
                let function = unsafeBitCast(entry, to: (@convention(c) () -> UnsafePointer<CChar>?).self)
                guard let text = function() else {
                    throw diagnostics.error("autograd_plugin_manifest() returned NULL")
                }
                manifest = try PluginManifest.parse(Array(String(cString: text).utf8), diagnostics: diagnostics, isSidecar: false)
            } else {
                guard FileManager.default.fileExists(atPath: sidecar) else {
                    throw diagnostics.error("""
                        the library exports no autograd_plugin_manifest() and has no sidecar manifest \
                        \(sidecar) beside it
                        """)
                }
                let sidecarDiagnostics = PluginDiagnostics(file: sidecar)
                manifest = try PluginManifest.parse(try readFile(sidecar, sidecarDiagnostics),
                                                    diagnostics: sidecarDiagnostics, isSidecar: true)
            }
            return try register(manifest, library: library, diagnostics: diagnostics, path: path)
        } catch {
            library.close()
            throw error
        }
    }

    private func loadSidecar(_ bytes: [UInt8], diagnostics: PluginDiagnostics, path: String,
                             directory: String?) throws -> LoadedPlugin {
        let manifest = try PluginManifest.parse(bytes, diagnostics: diagnostics, isSidecar: true)
        let location = manifest.library!
        var name = location.value
        if let directory, !name.hasPrefix("/") {
            // Beside the manifest if it is there; else a soname for the dynamic loader.
            let relative = directory + "/" + name
            if name.contains("/") || FileManager.default.fileExists(atPath: relative) { name = relative }
        }
        let library = try PluginLibrary(opening: name, diagnostics: diagnostics, field: location.field)
        do {
            return try register(manifest, library: library, diagnostics: diagnostics, path: path)
        } catch {
            library.close()
            throw error
        }
    }

    func register(_ manifest: PluginManifest, library: PluginLibrary, diagnostics: PluginDiagnostics,
                  path: String) throws -> LoadedPlugin {
        var seen = Set<String>()
        for (i, op) in manifest.ops.enumerated() {
            let field = "ops[\(i)].name"
            if !seen.insert(op.name).inserted {
                throw diagnostics.error("the manifest declares this op twice", op: op.name, field: field)
            }
            if contains(op.name) {
                throw diagnostics.error("an op with this name is already registered", op: op.name, field: field)
            }
        }
        let binder = PluginBinder(manifest: manifest, library: library, registry: self, diagnostics: diagnostics)
        let definitions = try binder.definitions()
        let overrides = try binder.overrides()
        do {
            try register(definitions, kernels: overrides)
        } catch let error as AutogradError {
            throw diagnostics.error(error.message)
        }
        return LoadedPlugin(
            path: path, name: manifest.name,
            library: library.name,
            opNames: manifest.ops.map(\.name),
            kernels: manifest.kernels.map { .init(op: $0.op, dtype: $0.dtype, condition: $0.condition.rawValue) },
            abi: PluginABIVersion(major: manifest.abi, minor: manifest.abiMinor))
    }

    /// `dir/libfoo.so.1` has its sidecar at `dir/libfoo.json`.
    static func sidecarPath(of library: String) -> String {
        let url = URL(fileURLWithPath: library)
        let file = url.lastPathComponent
        let stem = file.range(of: ".so").map { String(file[..<$0.lowerBound]) } ?? file
        return url.deletingLastPathComponent().appendingPathComponent(stem + ".json").path
    }

    private func readFile(_ path: String, _ diagnostics: PluginDiagnostics) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw diagnostics.error("cannot read the file")
        }
        return Array(data)
    }
}
