import Autograd

/// The tool's one road to plugins: the registry's loader.
enum PluginLoading {
    /// Loads the plugin at `path` into `registry` and returns the names of the ops it
    /// declares and of the ops it gives faster kernels.
    static func load(_ path: String, into registry: OpRegistry) throws -> [String] {
        let plugin = try registry.loadPlugin(at: path)
        var names = plugin.opNames
        for binding in plugin.kernels where !names.contains(binding.op) { names.append(binding.op) }
        return names
    }
}
