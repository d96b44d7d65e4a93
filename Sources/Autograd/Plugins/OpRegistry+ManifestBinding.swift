extension OpRegistry {
    /// Parses manifest `bytes` as if read from `file` and binds them as `loadPlugin(at:)`
    /// does, but against the shared object at `library`, whatever library the manifest
    /// names; registers the ops and kernels, all or none.
    ///
    /// The seam the parser fuzzer (`Tools/fuzz`) drives with a stub library: loading
    /// resolves symbols and prepares their calls, and calls neither a kernel nor the
    /// library's manifest function.
    package func loadManifest(_ bytes: [UInt8], file: String, isSidecar: Bool,
                              bindingIn library: String) throws -> LoadedPlugin {
        let diagnostics = PluginDiagnostics(file: file)
        let manifest = try PluginManifest.parse(bytes, diagnostics: diagnostics, isSidecar: isSidecar)
        let opened = try PluginLibrary(opening: library, diagnostics: diagnostics)
        do {
            return try register(manifest, library: opened, diagnostics: diagnostics, path: file)
        } catch {
            opened.close()
            throw error
        }
    }
}
