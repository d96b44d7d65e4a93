import Autograd
import Conformance
import Testing

/// Runs `checks` of `op` at the point `values` (float64 by default) and expects every
/// row to pass: a skipped row fails too, as a check that did not run proves nothing.
///
/// - Parameters:
///   - checks: the conformance checks to run.
///   - op: the op's registry name.
///   - registry: where it is registered.
///   - sample: its inputs' shapes and the attributes of the call.
///   - values: the inputs' values, one entry per sample input.
///   - tolerance: the tolerance of derivatives against central differences.
///   - dtypes: the dtypes of the per-dtype checks.
public func expectChecksPass(
    _ checks: Set<ConformanceCheck>, op: String, registry: OpRegistry, sample: OpSample, values: [TensorValues?],
    tolerance: Tolerance, dtypes: [DType] = [.float64], _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    var configuration = KernelCheck.Configuration()
    configuration.checks = checks
    configuration.dtypes = dtypes
    configuration.sample = sample
    configuration.sampleValues = values
    configuration.finiteDifferenceTolerance = tolerance
    let report = try KernelCheck(op: op, registry: registry, configuration: configuration).run()
    for check in checks {
        #expect(report.results.contains { $0.check == check }, "\(what()): no \(check) row", sourceLocation: sourceLocation)
    }
    for row in report.results where row.status != .pass {
        Issue.record("\(what()): \(ConformanceReport(results: [row]).text())", sourceLocation: sourceLocation)
    }
}

/// Expects the derivatives of `f` (float64) at `values` to match central differences:
/// `f` becomes an op whose forward is a decomposition into the ops it calls, and the
/// conformance checks differentiate it (by default gradcheck: every Jacobian entry).
///
/// - Parameters:
///   - values: the point, row-major.
///   - shape: its shape.
///   - checks: `.gradient`, `.forwardMode` and `.secondOrder` apply.
///   - atol: the absolute tolerance against central differences.
///   - rtol: the relative tolerance.
///   - f: the function, of one float64 tensor.
public func expectDerivativesMatchDifferences(
    _ values: [Double], shape: [Int], _ what: String, checks: Set<ConformanceCheck> = [.gradient],
    atol: Double = 1e-6, rtol: Double = 1e-5, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: @escaping @Sendable (Tensor) -> Tensor
) throws {
    let registry = OpRegistry()
    try registry.register(OpDefinition(
        name: "test.function", inputs: ["x"],
        // The output's shape is that of f on any input of the shape.
        outputShape: ShapeRule { ctx in withNoGrad { f(Tensor.zeros(ctx.shapes[0], dtype: .float64)).shape } },
        forward: .decomposition(dtypes: [.float64]) { ctx in f(ctx.inputs[0]) }))
    try expectChecksPass(checks, op: "test.function", registry: registry, sample: OpSample(inputs: [InputSpec(shape)]),
                         values: [TensorValues(shape: shape, scalars: values)], tolerance: Tolerance(absolute: atol, relative: rtol),
                         what, sourceLocation: sourceLocation)
}

/// The Jacobian of `f` at `x` by the conformance checks' central differences, in
/// float64, row-major: `[output element][input element]`.
public func numericalJacobian(of f: @escaping (Tensor) throws -> Tensor, at x: Tensor, step: Double = 1e-6) throws -> [Double] {
    let derivative = NumericalDerivative(step: step) { values in [TensorValues(try f(values[0]!.tensor(.float64)))] }
    let columns = try derivative.columns([TensorValues(x)], wrt: [0])[0]
    let rows = columns.first?[0].count ?? 0
    return (0..<rows).flatMap { i in columns.map { $0[0].scalars[i] } }
}
