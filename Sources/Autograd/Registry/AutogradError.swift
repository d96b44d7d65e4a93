/// An error from the registry, the engine or a plugin. The message names the op,
/// the shapes, the dtypes or the file involved, and what was expected.
public struct AutogradError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of thing went wrong, for callers that branch on it.
    public enum Kind: String, Sendable {
        case unknownOp, duplicateOp, inputCount, attribute, shape, dtype
        case kernel, backward, inPlace, graph, plugin, allocation
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Runs a throwing body from a non-throwing API (the Swift operators), trapping
/// with the error's message, as `Array` traps on a bad index.
@inline(__always)
func trapOnError<R>(_ body: () throws -> R) -> R {
    do {
        return try body()
    } catch {
        fatalError("\(error)")
    }
}
