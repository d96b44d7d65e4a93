import Autograd
import AutogradDistributed

/// One named check, run by every rank.
struct Check: Sendable {
    var name: String
    /// Checks about disagreement between ranks need at least two.
    var minimumRanks = 1
    var body: @Sendable (ProcessGroup) throws -> Void
}

/// A failed expectation, with what was expected and what came.
struct CheckFailure: Error, CustomStringConvertible {
    var description: String
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CheckFailure(description: message()) }
}

/// Expects every element of `tensor` to equal `expected`, exactly.
func expectValues(_ tensor: Tensor, _ expected: [Double], _ what: String) throws {
    try expect(tensor.scalars == expected, "\(what): expected \(expected), got \(tensor.scalars)")
}

/// Expects `body` to throw a `DistributedError` of `kind` whose text contains each of `fragments`.
func expectError(_ kind: DistributedError.Kind, containing fragments: [String], _ what: String,
                 _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DistributedError {
        try expect(error.kind == kind, "\(what): expected a .\(kind) error, got .\(error.kind): \(error)")
        for fragment in fragments {
            try expect(error.description.contains(fragment), "\(what): expected '\(fragment)' in: \(error)")
        }
        return
    }
    throw CheckFailure(description: "\(what): expected a .\(kind) error, but nothing was thrown")
}
