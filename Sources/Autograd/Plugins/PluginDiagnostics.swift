/// Builds the errors of one plugin load, each naming the file, and where known
/// the op and the manifest field: `plugin tiny.so: op 'tiny.axpb': field
/// 'ops[0].forward.float32.args[2]': unknown argument term 'ptr:y'`.
struct PluginDiagnostics: Sendable {
    /// The file the caller gave, or the embedded manifest's name.
    let file: String

    func error(_ message: String, op: String? = nil, field: String? = nil) -> AutogradError {
        var context = "plugin \(file)"
        if let op { context += ": op '\(abbreviated(op))'" }
        if let field { context += ": field '\(abbreviated(field))'" }
        return AutogradError(.plugin, "\(context): \(message)")
    }
}

/// `text`, cut to `limit` characters: a manifest's values are echoed in errors, and
/// a megabyte-long symbol name must not make a megabyte-long message.
func abbreviated(_ text: String, limit: Int = 200) -> String {
    text.count <= limit ? text : String(text.prefix(limit)) + "… (\(text.count) characters)"
}
