import Autograd

/// The tool's one road to plugins.
///
/// This build has no plugin loader (it arrives with `OpRegistry.loadPlugin(at:)`
/// on the plugins branch), so loading is refused with a clear error. When the
/// loader merges, the body of `load` becomes
/// `try registry.loadPlugin(at: path).opNames` and `Unavailable` goes away; the
/// command already turns any other load error into a failed declaration row.
enum PluginLoading {
    struct Unavailable: Error, CustomStringConvertible {
        let path: String
        var description: String {
            "plugin loading is not available in this build: cannot load \(path); run without arguments to check the built-in ops"
        }
    }

    /// Loads the plugin at `path` into `registry` and returns the names of the ops it declares.
    static func load(_ path: String, into registry: OpRegistry) throws -> [String] {
        throw Unavailable(path: path)
    }
}
