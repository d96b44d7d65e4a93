/// Jacobians and Hessians, as `torch.func.jacrev`, `jacfwd` and `hessian`.
///
/// Each returns a tensor of shape `output.shape + input.shape`: entry `[i..., j...]`
/// is ∂output[i...]/∂input[j...]. Reverse mode costs one backward pass per output
/// element, forward mode one forward pass per input element: take `jacobian` for
/// functions with few outputs, `jacobianForward` for few inputs.

/// The Jacobian of `f` at `x`, row by row with backward passes (`torch.func.jacrev`).
///
/// ```swift
/// let j = try jacobian({ $0 * $0 }, at: Tensor([1.0, 2.0]))   // [[2, 0], [0, 4]]
/// ```
public func jacobian(_ f: (Tensor) throws -> Tensor, at x: Tensor) throws -> Tensor {
    let input = try x.jacobianInput()
    let y = try withGrad { try f(input) }
    let outputCount = y.scalarCount
    var rows: [Double] = []
    rows.reserveCapacity(outputCount * x.scalarCount)
    for i in 0..<outputCount {
        guard y.requiresGrad else {
            rows += repeatElement(0, count: x.scalarCount)
            continue
        }
        let cotangent = Tensor.oneHot(i, shape: y.shape, dtype: y.dtype)
        let row = try grad(of: [y], wrt: [input], gradOutputs: [cotangent], retainGraph: true, allowUnused: true)[0]
        rows += row?.scalars ?? Array(repeating: 0, count: x.scalarCount)
    }
    return Tensor(shape: y.shape + x.shape, scalars: rows, dtype: y.dtype)
}

/// The Jacobian of `f` at `x`, column by column with forward-mode passes (`torch.func.jacfwd`).
public func jacobianForward(_ f: (Tensor) throws -> Tensor, at x: Tensor) throws -> Tensor {
    let inputCount = x.scalarCount
    var columns: [[Double]] = []
    var outputShape: [Int] = []
    for j in 0..<inputCount {
        let (outputs, tangents) = try jvp({ [try f($0[0])] }, primals: [x], tangents: [Tensor.oneHot(j, shape: x.shape, dtype: x.dtype)])
        outputShape = outputs[0].shape
        columns.append(tangents[0]?.scalars ?? Array(repeating: 0, count: outputs[0].scalarCount))
    }
    if inputCount == 0 {
        outputShape = try withNoGrad { try f(x) }.shape
    }
    // Columns are indexed by input element; the result is row-major in the output's elements.
    let outputCount = Shape.count(outputShape)
    var entries = [Double](repeating: 0, count: outputCount * inputCount)
    for j in 0..<inputCount {
        for i in 0..<outputCount { entries[i * inputCount + j] = columns[j][i] }
    }
    return Tensor(shape: outputShape + x.shape, scalars: entries, dtype: x.dtype)
}

/// The Hessian of a scalar function `f` at `x`: the forward-mode Jacobian of its
/// reverse-mode gradient (`torch.func.hessian`, forward over reverse).
///
/// - Throws: when `f` does not return a one-element tensor.
public func hessian(_ f: (Tensor) throws -> Tensor, at x: Tensor) throws -> Tensor {
    try withoutActuallyEscaping(f) { f in
        try jacobianForward({ point in
            let input = try point.jacobianInput()
            let y = try withGrad { try f(input) }
            guard y.scalarCount == 1 else {
                throw AutogradError(.shape, "hessian: f must return one element, got shape \(Shape.describe(y.shape))")
            }
            return try grad(of: [y], wrt: [input], createGraph: true, allowUnused: true)[0]
                ?? Tensor.zeros(x.shape, dtype: x.dtype)
        }, at: x)
    }
}

extension Tensor {
    /// An alias of this tensor that requires grad and keeps its tangent: what a
    /// Jacobian differentiates with respect to.
    fileprivate func jacobianInput() throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw AutogradError(.dtype, "jacobian: the input is \(dtype); only floating-point inputs can be differentiated")
        }
        let alias = historyFreeAlias()
        alias.requiresGradFlag = true
        return alias
    }

    /// A tensor of zeros of `shape` with a one at flat index `index`.
    fileprivate static func oneHot(_ index: Int, shape: [Int], dtype: DType) -> Tensor {
        var values = [Double](repeating: 0, count: Shape.count(shape))
        values[index] = 1
        return Tensor(shape: shape, scalars: values, dtype: dtype)
    }
}
