import Autograd
import Testing

/// Expects `body` to throw an `AutogradError` whose message contains every fragment.
public func expectError(
    _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
    } catch let error as AutogradError {
        for fragment in fragments {
            #expect(error.message.contains(fragment), "message \"\(error.message)\" lacks \"\(fragment)\"",
                    sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected an AutogradError, got \(error)", sourceLocation: sourceLocation)
    }
}
