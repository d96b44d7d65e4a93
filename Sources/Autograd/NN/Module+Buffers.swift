import Foundation

/// A module that holds buffers: tensors of its state that are saved and loaded with
/// its parameters but not trained, such as batch norm's running statistics (what
/// PyTorch's `register_buffer` declares).
public protocol BufferStoring: Module {
    /// This module's own buffers (not its sub-modules'), named as PyTorch names them, in its order.
    var ownBuffers: [(name: String, tensor: Tensor)] { get }
}

extension Module {
    /// The buffers of this module and its sub-modules, recursively, each named by its
    /// path (`4.running_mean`), in the order of `namedModules()` (PyTorch's `named_buffers()`).
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        for (path, module) in namedModules() {
            for (name, tensor) in (module as? any BufferStoring)?.ownBuffers ?? []
            where seen.insert(ObjectIdentifier(tensor)).inserted {
                result.append((ModuleReflection.join(path, name), tensor))
            }
        }
        return result
    }

    /// The buffers, in the order of `namedBuffers()`.
    public func buffers() -> [Tensor] {
        namedBuffers().map(\.tensor)
    }

    /// The parameters and buffers, named with PyTorch's keys (`0.weight`, `4.running_mean`,
    /// `4.num_batches_tracked`) in PyTorch's order: each module's parameters, then its
    /// buffers, module by module depth first, as `state_dict()` gives them.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        for (path, module) in namedModules() {
            var own: [(String, Tensor)] = []
            for case .parameter(let name, let tensor) in ModuleReflection.entries(of: module) { own.append((name, tensor)) }
            own += (module as? any BufferStoring)?.ownBuffers ?? []
            for (name, tensor) in own where seen.insert(ObjectIdentifier(tensor)).inserted {
                result.append((ModuleReflection.join(path, name), tensor))
            }
        }
        return result
    }

    /// Saves `stateDict()` to a safetensors file, which PyTorch loads with
    /// `model.load_state_dict(safetensors.torch.load_file(path))`.
    ///
    /// - Parameters:
    ///   - url: the file to write.
    ///   - metadata: string pairs stored in the file's header (default none).
    /// - Throws: an error when the file cannot be written.
    public func saveStateDict(to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors(stateDict(), metadata: metadata).write(to: url)
    }

    /// Loads parameters and buffers from a safetensors file, such as a PyTorch
    /// `state_dict()` saved with `safetensors.torch.save_file`.
    ///
    /// Values are copied into the existing tensors, converting between float32 and
    /// float64 when the file's dtype differs. Nothing is changed unless every tensor
    /// can be loaded.
    ///
    /// - Parameters:
    ///   - url: the safetensors file to read.
    ///   - strict: also reject a file holding tensors this module has no parameter or buffer for (default true).
    /// - Throws: an error when the file cannot be read or decoded; `SafetensorsError` naming each missing tensor with the shape expected, each
    ///   shape mismatch with both shapes, and (when strict) each unexpected tensor.
    public func loadStateDict(from url: URL, strict: Bool = true) throws {
        try loadStateDict(Safetensors(contentsOf: url), strict: strict)
    }

    /// Loads parameters and buffers from decoded safetensors contents; see `loadStateDict(from:strict:)`.
    ///
    /// - Parameters:
    ///   - file: the decoded file.
    ///   - strict: also reject a file holding tensors this module has no parameter or buffer for (default true).
    /// - Throws: `SafetensorsError` for missing, mismatched or (when strict) unexpected tensors.
    public func loadStateDict(_ file: Safetensors, strict: Bool = true) throws {
        try ModuleLoading.load(stateDict(), into: "\(type(of: self))", what: "the state dict", from: file, strict: strict)
    }
}
