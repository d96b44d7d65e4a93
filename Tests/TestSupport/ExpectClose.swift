import Autograd
import Conformance
import Testing

// The one comparison of the tests: `Tolerance.admits`, the conformance checks' own
// formula, |actual - expected| <= atol + rtol * |expected| as torch.allclose, with
// NaN matching NaN and an infinity only itself. Each test passes its own atol and rtol.

/// Expects every element of `actual` close to `expected`, reporting the first that is not.
public func expectClose(
    _ actual: [Double], _ expected: [Double], atol: Double, rtol: Double, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose(actual, expected, tolerance: Tolerance(absolute: atol, relative: rtol), what(), sourceLocation: sourceLocation)
}

/// Expects every element of `actual` within `tolerance` of `expected`, reporting the first that is not.
public func expectClose(
    _ actual: [Double], _ expected: [Double], tolerance: Tolerance, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what()): \(actual.count) elements, expected \(expected.count)",
            sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    for i in actual.indices where !tolerance.admits(actual[i], expected[i]) {
        let difference = Swift.abs(actual[i] - expected[i])
        Issue.record("\(what()): element \(i) is \(actual[i]), expected \(expected[i]) (diff \(difference))",
                     sourceLocation: sourceLocation)
        return
    }
}

/// Expects a number close to `expected`.
public func expectClose(
    _ actual: Double, _ expected: Double, atol: Double, rtol: Double, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose([actual], [expected], atol: atol, rtol: rtol, what(), sourceLocation: sourceLocation)
}

/// Expects a tensor of `shape` whose values are close to `expected`.
public func expectClose(
    _ actual: Tensor?, shape: [Int], _ expected: [Double], atol: Double = 1e-6, rtol: Double = 1e-5,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("\(what()): tensor is nil", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == shape, "\(what()): shape \(actual.shape), expected \(shape)", sourceLocation: sourceLocation)
    expectClose(actual.scalars, expected, atol: atol, rtol: rtol, what(), sourceLocation: sourceLocation)
}

/// Expects a tensor of `expected`'s shape whose values are close to its values (dtypes are not compared).
public func expectClose(
    _ actual: Tensor?, _ expected: Tensor, atol: Double, rtol: Double, _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    expectClose(actual, shape: expected.shape, expected.scalars, atol: atol, rtol: rtol, what(), sourceLocation: sourceLocation)
}

/// Expects a tensor of `dtype` with `expected`'s shape and values: a reference case's
/// tensor, whose dtype the case gives.
public func expectClose(
    _ actual: Tensor?, _ expected: TensorValues, dtype: DType, tolerance: Tolerance,
    _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let actual else {
        Issue.record("\(what()): missing, expected a \(dtype) tensor of shape \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.dtype == dtype, "\(what()): dtype \(actual.dtype), expected \(dtype)", sourceLocation: sourceLocation)
    expectClose(actual, shape: expected.shape, expected.scalars, atol: tolerance.absolute, rtol: tolerance.relative, what(),
                sourceLocation: sourceLocation)
}
