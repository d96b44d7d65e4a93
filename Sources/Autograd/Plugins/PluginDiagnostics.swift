/// Builds the errors of one plugin load, each naming the file, and where known
/// the op and the manifest field: `plugin tiny.so: op 'tiny.axpb': field
/// 'ops[0].forward.float32.args[2]': unknown argument term 'ptr:y'`.
struct PluginDiagnostics: Sendable {
    /// The file the caller gave, or the embedded manifest's name.
    let file: String

    func error(_ message: String, op: String? = nil, field: String? = nil) -> AutogradError {
        var context = "plugin \(file)"
        if let op { context += ": op '\(op)'" }
        if let field { context += ": field '\(field)'" }
        return AutogradError(.plugin, "\(context): \(message)")
    }
}
