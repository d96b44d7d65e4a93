/// Updates parameters from their gradients: `step()` after `backward()`, `zeroGrad()` before the next.
///
/// The counterpart of `torch.optim.Optimizer`, over a flat list of parameters:
///
/// ```swift
/// let optimizer = Adam(model.parameters(), learningRate: 1e-3)
/// for (x, y) in batches {
///     optimizer.zeroGrad()
///     let loss = criterion(model(x), y)
///     try loss.backward()
///     optimizer.step()
/// }
/// ```
///
/// Optimizers are classes: they keep per-parameter state (momentum buffers, moment
/// estimates, step counts) that must persist across calls and is never copied.
/// `step()` writes the parameters in place with fused loops over their buffers;
/// it records nothing in the graph. Parameters without a gradient are skipped.
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates, in order.
    var parameters: [Tensor] { get }
    /// The step size; a learning-rate schedule may change it between steps.
    var learningRate: Double { get set }
    /// Updates every parameter that has a gradient.
    func step()
}

extension Optimizer {
    /// Clears the gradient of every parameter.
    ///
    /// - Parameter setToNone: set `grad` to nil (PyTorch's default, and cheaper: the
    ///   next backward allocates it afresh) rather than filling it with zeros.
    public func zeroGrad(setToNone: Bool = true) {
        Autograd.zeroGrad(parameters, setToNone: setToNone)
    }
}

/// Checks, when an optimizer is made, what its fused update loops rely on.
func validateOptimizerParameters(_ parameters: [Tensor], optimizer: String) {
    var seen = Set<ObjectIdentifier>()
    for (i, p) in parameters.enumerated() {
        precondition(p.isLeaf, """
            \(optimizer): parameter \(i) (shape \(Shape.describe(p.shape))) was computed by \(p.gradFn!.name); \
            only leaf tensors can be optimized (use detach() and set requiresGrad)
            """)
        precondition(p.isContiguous, """
            \(optimizer): parameter \(i) (shape \(Shape.describe(p.shape))) is not contiguous; \
            optimizers update parameters in place through their buffers
            """)
        precondition(seen.insert(ObjectIdentifier(p)).inserted, "\(optimizer): parameter \(i) appears more than once")
    }
}

extension Tensor {
    /// This parameter's gradient as a contiguous tensor of its dtype and shape, for an update loop.
    func gradientForUpdate(optimizer: String, index: Int) -> Tensor? {
        guard let g = grad else { return nil }
        precondition(g.shape == shape && g.dtype == dtype, """
            \(optimizer): parameter \(index) is a \(dtype) tensor of shape \(Shape.describe(shape)), \
            but its grad is a \(g.dtype) tensor of shape \(Shape.describe(g.shape))
            """)
        return g.contiguousData()
    }
}
