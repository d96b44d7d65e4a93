import Autograd

/// Central differences of a function of a call's inputs: per differentiable
/// slot, per element, the derivative of every output.
///
/// The finite differences every check uses (gradcheck, gradgradcheck, forward
/// mode), public so that tests differentiate the same way:
///
/// ```swift
/// let derivative = NumericalDerivative(step: 1e-6) { values in
///     [TensorValues(sin(values[0]!.tensor(.float64)))]
/// }
/// let columns = try derivative.columns([TensorValues(shape: [3], scalars: [0.1, 0.2, 0.3])], wrt: [0])
/// // columns[0][j][0]: d sin(x) / d x[j], one value per output element
/// ```
public struct NumericalDerivative {
    /// The step h of (f(x + h) - f(x - h)) / 2h.
    public var step: Double
    /// Scales the step by each element's magnitude (for float32, whose spacing grows with it).
    public var relative: Bool
    /// The function differentiated: a call's input values to its outputs' values.
    public let function: ([TensorValues?]) throws -> [TensorValues]

    /// Central differences of `function` with step `step`.
    ///
    /// - Parameters:
    ///   - step: the step h (1e-6 suits float64).
    ///   - relative: scale the step by `max(|x|, 1)` per element (default false).
    ///   - function: a call's input values (nil for an omitted input) to its outputs' values.
    public init(step: Double, relative: Bool = false, _ function: @escaping ([TensorValues?]) throws -> [TensorValues]) {
        self.step = step
        self.relative = relative
        self.function = function
    }

    /// `[slot][element][output]`: each output's derivative along one input element,
    /// for each slot in `wrt`.
    ///
    /// - Parameters:
    ///   - values: the point to differentiate at, one entry per input slot.
    ///   - wrt: the slots to differentiate with respect to; each must hold values.
    /// - Throws: what `function` throws.
    public func columns(_ values: [TensorValues?], wrt: [Int]) throws -> [[[TensorValues]]] {
        try wrt.map { slot in
            try (0..<values[slot]!.count).map { element in
                var plus = values, minus = values
                let x = values[slot]!.scalars[element]
                let h = relative ? step * Swift.max(Swift.abs(x), 1) : step
                plus[slot]!.scalars[element] = x + h
                minus[slot]!.scalars[element] = x - h
                let f1 = try function(plus), f0 = try function(minus)
                return zip(f1, f0).map { a, b in
                    TensorValues(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { ($0 - $1) / (2 * h) }, dtype: a.dtype)
                }
            }
        }
    }
}
