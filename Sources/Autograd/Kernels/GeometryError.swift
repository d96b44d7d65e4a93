/// Why a shape rule rejected its inputs or attributes, in PyTorch's words where
/// PyTorch has them: the op, the shapes, and the attribute at fault.
///
/// Geometry initialisers throw this rather than trap, so a shape rule can turn a
/// bad call into the registry's error (`attribute` set: an attribute error;
/// `nil`: a shape error).
struct GeometryError: Error, CustomStringConvertible, Equatable, Sendable {
    let op: String
    /// The attribute at fault (`"stride"`, `"output_padding"`), or nil when the shapes disagree.
    let attribute: String?
    let message: String

    var description: String { "\(op): \(message)" }
}
