/// An error from a collective, the process group's start-up or a rank-0 helper.
///
/// The message names the operation, the tensor's shape and dtype, and what was
/// expected:
///
/// ```
/// allReduce: expected a contiguous tensor; got shape [3, 2] with strides [1, 3] (float32)
/// allGather: every rank must pass the same shape and dtype; got rank 0: [2] float32, rank 1: [3] float32
/// ```
public struct DistributedError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of thing went wrong, for callers that branch on it.
    public enum Kind: String, Sendable {
        /// The tensor cannot take part: its dtype, layout or size.
        case invalidTensor
        /// Ranks passed tensors that disagree in shape or dtype.
        case mismatch
        /// A rank argument (a broadcast's root) outside `0..<worldSize`.
        case invalidRank
        /// An MPI call returned an error code.
        case mpi
        /// MPI could not be started as this library needs it.
        case initialization
        /// Another rank failed (rank 0 while saving a checkpoint).
        case remote
        /// An argument outside its allowed range (a negative bucket capacity).
        case invalidArgument
        /// This rank can no longer run collectives in step with the others (a backward
        /// pass failed halfway through synchronizing gradients).
        case outOfStep
    }

    /// What kind of thing went wrong.
    public let kind: Kind
    /// The collective or helper that failed: `"allReduce"`, `"broadcast"`, ...
    public let operation: String
    /// What happened and what was expected, without the operation's name.
    public let message: String
    /// The MPI error code, for errors of kind `.mpi`.
    public let mpiErrorCode: Int32?

    /// An error of `kind` from `operation`, explained by `message`.
    public init(_ kind: Kind, operation: String, _ message: String, mpiErrorCode: Int32? = nil) {
        self.kind = kind
        self.operation = operation
        self.message = message
        self.mpiErrorCode = mpiErrorCode
    }

    /// `operation: message`, as in `allReduce: expected a contiguous tensor; ...`.
    public var description: String { "\(operation): \(message)" }
}
