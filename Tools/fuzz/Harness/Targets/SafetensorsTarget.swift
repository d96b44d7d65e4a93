import Autograd

extension FuzzTarget {
    /// The safetensors decoder: an input is a file's bytes. What decodes must encode
    /// and decode again to the same tensors and metadata, so the writer and the
    /// reader agree on the format.
    static let safetensors = FuzzTarget(name: "safetensors", maxLength: 4096) { bytes in
        guard let file = try? Safetensors(bytes: bytes) else { return }
        let again: Safetensors
        do {
            again = try Safetensors(bytes: file.encoded())
        } catch {
            fatalError("a decoded file does not survive encoding and decoding: \(error)")
        }
        precondition(again.metadata == file.metadata, "the metadata changed in a round trip")
        precondition(again.names == file.names, "the tensor names changed in a round trip")
        for ((name, a), (_, b)) in zip(file.tensors, again.tensors) {
            precondition(a.dtype == b.dtype && a.shape == b.shape, "tensor '\(name)' changed dtype or shape in a round trip")
            precondition(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern), "tensor '\(name)' changed values in a round trip")
        }
    }
}
