import Foundation

extension Module {
    /// Saves the parameters, named as `namedParameters()` names them, to a safetensors file.
    ///
    /// The file loads in Python with `safetensors.torch.load_file(path)` and then
    /// `model.load_state_dict(...)` when the names match the PyTorch model's.
    ///
    /// ```swift
    /// try model.saveParameters(to: URL(filePath: "model.safetensors"), metadata: ["epoch": "12"])
    /// ```
    ///
    /// - Parameters:
    ///   - url: the file to write; an existing file is replaced.
    ///   - metadata: free-form strings stored under `__metadata__` (none by default).
    /// - Throws: `SafetensorsError` when the file cannot be written.
    public func saveParameters(to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors(namedParameters(), metadata: metadata).write(to: url)
    }

    /// Loads parameters saved by `saveParameters(to:)` (or by PyTorch's safetensors) into this module.
    ///
    /// Values are copied into the existing parameters, converting between float32 and
    /// float64 when the file's dtype differs. Nothing is changed unless every parameter
    /// can be loaded.
    ///
    /// - Parameters:
    ///   - url: the safetensors file to read.
    ///   - strict: also reject a file holding tensors this module has no parameter for
    ///     (default true, as PyTorch's `load_state_dict(strict=True)`).
    /// - Throws: `SafetensorsError` when the file cannot be read or breaks the format, and
    ///   naming each missing tensor with the shape expected, each shape mismatch with both
    ///   shapes, and (when strict) each unexpected tensor.
    public func loadParameters(from url: URL, strict: Bool = true) throws {
        try loadParameters(from: Safetensors(contentsOf: url), strict: strict)
    }

    /// Loads parameters from decoded safetensors contents, by name; see `loadParameters(from:strict:)`.
    ///
    /// - Parameters:
    ///   - file: the named tensors, such as a `Safetensors(contentsOf:)` or one built in memory.
    ///   - strict: also reject tensors this module has no parameter for (default true).
    /// - Throws: `SafetensorsError` naming each missing, mis-shaped or (when strict) unexpected tensor.
    public func loadParameters(from file: Safetensors, strict: Bool = true) throws {
        try ModuleLoading.load(namedParameters(), into: "\(type(of: self))", what: "parameters", from: file, strict: strict)
    }
}

/// Copying a file's tensors into a module's parameters (and buffers), all or nothing.
enum ModuleLoading {
    /// Copies `file`'s tensor of each name in `targets` into that target, once every one
    /// is known to fit: present, of the same shape, and floating-point where the target
    /// is (float32 and float64 convert), or of the target's dtype.
    static func load(
        _ targets: [(name: String, tensor: Tensor)], into module: String, what: String, from file: Safetensors, strict: Bool
    ) throws {
        let noun = what == "parameters" ? "parameter" : "module's tensor"
        var stored: [String: Tensor] = [:]
        for (name, tensor) in file.tensors { stored[name] = tensor }

        var missing: [String] = [], mismatched: [String] = []
        for (name, target) in targets {
            guard let source = stored[name] else {
                missing.append("'\(name)' (expected shape \(Shape.describe(target.shape)))")
                continue
            }
            if source.shape != target.shape {
                mismatched.append("""
                    '\(name)': the file holds shape \(Shape.describe(source.shape)), \
                    the \(noun) has shape \(Shape.describe(target.shape))
                    """)
            } else if source.dtype != target.dtype && !(source.dtype.isFloatingPoint && target.dtype.isFloatingPoint) {
                mismatched.append("'\(name)': the file holds \(source.dtype), the \(noun) is \(target.dtype)")
            }
        }
        let known = Set(targets.map(\.name))
        let unexpected = strict ? file.names.filter { !known.contains($0) }.map { "'\($0)'" } : []

        var problems: [String] = []
        var kind: SafetensorsError.Kind?
        if !missing.isEmpty {
            kind = kind ?? .missingTensor
            problems.append("missing tensor\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
        }
        if !mismatched.isEmpty {
            kind = kind ?? .shapeMismatch
            problems.append("shape mismatch for \(mismatched.joined(separator: "; "))")
        }
        if !unexpected.isEmpty {
            kind = kind ?? .unexpectedTensor
            problems.append("unexpected tensor\(unexpected.count == 1 ? "" : "s") \(unexpected.joined(separator: ", ")) (pass strict: false to ignore)")
        }
        if let kind {
            throw SafetensorsError(kind, "cannot load \(what) into \(module): " + problems.joined(separator: "; "))
        }
        for (name, target) in targets {
            target.assignConverting(from: stored[name]!)
        }
    }
}

extension Tensor {
    /// Overwrites this contiguous tensor's elements with `source`'s (same shape), converting the dtype.
    /// A direct buffer write: recorded in the version counter, not in the graph.
    func assignConverting(from source: Tensor) {
        StridedLoops.copy(from: source, into: self)
        storage.version &+= 1
    }
}
