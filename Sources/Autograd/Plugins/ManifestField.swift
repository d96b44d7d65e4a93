/// A value in a manifest together with where it sits (`ops[0].inputs`) and the
/// op it belongs to, so that every error it raises names both.
struct ManifestField {
    let value: JSONValue
    let path: String
    let op: String?
    let diagnostics: PluginDiagnostics

    func error(_ message: String) -> AutogradError {
        diagnostics.error(message, op: op, field: path.isEmpty ? nil : path)
    }

    /// The same field, attributed to `op` in later messages.
    func inOp(_ name: String) -> ManifestField {
        ManifestField(value: value, path: path, op: name, diagnostics: diagnostics)
    }

    private func child(_ value: JSONValue, _ component: String) -> ManifestField {
        let childPath = component.hasPrefix("[") || path.isEmpty ? path + component : path + "." + component
        return ManifestField(value: value, path: childPath, op: op, diagnostics: diagnostics)
    }

    /// The members of an object whose keys are all in `allowed`; an unknown key is an error.
    func members(allowed: [String]) throws -> Members {
        guard case .object(let dict) = value else { throw error("expected an object, got \(value.kind)") }
        for key in dict.keys.sorted() where !allowed.contains(key) {
            throw child(dict[key]!, key).error("unknown field; expected one of: \(allowed.joined(separator: ", "))")
        }
        return Members(parent: self, values: dict)
    }

    /// Every member of an object with free-form keys (input names, dtypes), sorted by key.
    func entries() throws -> [(key: String, field: ManifestField)] {
        guard case .object(let dict) = value else { throw error("expected an object, got \(value.kind)") }
        return dict.keys.sorted().map { ($0, child(dict[$0]!, $0)) }
    }

    func elements() throws -> [ManifestField] {
        guard case .array(let items) = value else { throw error("expected an array, got \(value.kind)") }
        return items.enumerated().map { child($1, "[\($0)]") }
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw error("expected a string, got \(value.kind)") }
        return s
    }

    func int() throws -> Int {
        guard case .int(let v) = value else { throw error("expected an integer, got \(value.kind)") }
        return v
    }

    func bool() throws -> Bool {
        guard case .bool(let v) = value else { throw error("expected true or false, got \(value.kind)") }
        return v
    }

    func strings() throws -> [String] {
        try elements().map { try $0.string() }
    }

    /// An object's members, looked up by key.
    struct Members {
        let parent: ManifestField
        let values: [String: JSONValue]

        func optional(_ key: String) -> ManifestField? {
            values[key].map { parent.child($0, key) }
        }

        func required(_ key: String) throws -> ManifestField {
            guard let field = optional(key) else { throw parent.child(.null, key).error("missing; this field is required") }
            return field
        }
    }
}
