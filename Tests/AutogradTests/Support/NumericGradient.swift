import Testing
import Autograd

/// Central differences of `Σ f(x) · upstream` at `x` (float64), one element at a time.
func numericGradient(
    of f: (Tensor) -> Tensor, at x: Tensor, upstream: Tensor, step h: Double = 1e-6
) -> [Double] {
    let base = x.scalars, u = upstream.scalars
    func objective(_ values: [Double]) -> Double {
        let y = f(Tensor(shape: x.shape, scalars: values, dtype: .float64))
        return zip(y.scalars, u).reduce(0) { $0 + $1.0 * $1.1 }
    }
    return base.indices.map { j in
        var plus = base, minus = base
        plus[j] += h
        minus[j] -= h
        return (objective(plus) - objective(minus)) / (2 * h)
    }
}

/// Expects the gradient `backward` gives for `f` at `values` (float64, upstream of
/// ones times position-dependent weights) to match central differences.
func expectGradientMatchesDifferences(
    _ values: [Double], shape: [Int], _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ f: (Tensor) -> Tensor
) throws {
    let x = Tensor(shape: shape, scalars: values, dtype: .float64, requiresGrad: true)
    let y = f(x)
    let upstream = Tensor(shape: y.shape, scalars: (0..<y.scalarCount).map { 0.5 + Double($0 % 5) * 0.25 }, dtype: .float64)
    let analytic = try #require(try grad(of: [y], wrt: [x], gradOutputs: [upstream], allowUnused: true)[0]?.scalars,
                                sourceLocation: sourceLocation)
    let numeric = numericGradient(of: f, at: x.detach(), upstream: upstream)
    expectClose(analytic, numeric, atol: 1e-6, rtol: 1e-5, what, sourceLocation: sourceLocation)
}
