/// An error reading, writing or applying a safetensors file. The message names the
/// file or tensor, what was expected and what was found.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of thing went wrong, for callers that branch on it.
    public enum Kind: String, Sendable {
        /// The bytes do not follow the format: a short file, a bad header length, bad JSON,
        /// offsets that overlap, leave holes or run past the end.
        case malformed
        /// A dtype the format defines but this library does not hold (it holds F32 and F64).
        case unsupportedDType
        /// A parameter the module has is not in the file.
        case missingTensor
        /// A tensor in the file has another shape than the parameter of that name.
        case shapeMismatch
        /// The file holds a tensor the module has no parameter for (strict loading only).
        case unexpectedTensor
        /// Two tensors were given the same name.
        case duplicateName
        /// The file could not be read or written.
        case io
    }

    /// What kind of thing went wrong.
    public let kind: Kind
    /// A readable account, naming the file or tensor, what was expected and what was found.
    public let message: String

    /// An error of the given kind, with the message to show.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message alone.
    public var description: String { message }
}
