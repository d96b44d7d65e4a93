import Testing
import Autograd

/// Expects every element of `got` within `atol + rtol * |want|` of `want` (NaN matches NaN),
/// reporting the first differing index with both values.
func expectClose(
    _ got: [Double], _ want: [Double], atol: Double, rtol: Double, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(got.count == want.count, "\(what()): \(got.count) elements, expected \(want.count)", sourceLocation: sourceLocation)
    guard got.count == want.count else { return }
    for i in got.indices {
        let (g, w) = (got[i], want[i])
        if g.isNaN && w.isNaN { continue }
        if g == w { continue }
        let ok = Swift.abs(g - w) <= atol + rtol * Swift.abs(w)
        #expect(ok, "\(what()): element \(i) is \(g), expected \(w) (diff \(Swift.abs(g - w)))", sourceLocation: sourceLocation)
        if !ok { return }
    }
}

/// Expects a tensor's shape and values.
func expectTensor(
    _ t: Tensor?, shape: [Int], _ want: [Double], atol: Double = 1e-6, rtol: Double = 1e-5,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let t else {
        Issue.record("\(what()): tensor is nil", sourceLocation: sourceLocation)
        return
    }
    #expect(t.shape == shape, "\(what()): shape \(t.shape), expected \(shape)", sourceLocation: sourceLocation)
    expectClose(t.scalars, want, atol: atol, rtol: rtol, what(), sourceLocation: sourceLocation)
}

/// Expects `body` to throw an `AutogradError` whose message contains every fragment.
func expectError(
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
