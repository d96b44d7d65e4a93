/// An error from the registry, the engine or a plugin. The message names the op,
/// the shapes, the dtypes or the file involved, and what was expected.
public struct AutogradError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of thing went wrong, for callers that branch on it.
    public enum Kind: String, Sendable {
        /// `unknownOp`: no op (or no op for a kernel) under that name; `duplicateOp`: a name
        /// registered twice; `inputCount`: too many or too few inputs, or nil for a required one;
        /// `attribute`: an unknown, missing or mistyped attribute; `shape`: shapes the op's shape
        /// rule rejects; `dtype`: a dtype the op has no kernel for or does not accept.
        case unknownOp, duplicateOp, inputCount, attribute, shape, dtype
        /// `kernel`: a kernel failed or returned the wrong outputs; `backward`: a backward or
        /// forward-mode rule failed or returned the wrong gradients; `inPlace`: an in-place
        /// change autograd cannot allow (a leaf that requires grad, a saved tensor modified);
        /// `graph`: a backward call that cannot run (nothing requires grad, a freed graph);
        /// `plugin`: an invalid op definition or plugin; `allocation`: memory that cannot be had.
        case kernel, backward, inPlace, graph, plugin, allocation
    }

    /// What kind of thing went wrong.
    public let kind: Kind
    /// A readable account, naming the op, shapes, dtypes or file involved.
    public let message: String

    /// An error of the given kind, with the message to show.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message alone, as `fatalError` and `print` show it.
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
