/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay,
/// as `torch.optim.SGD`.
///
/// Per parameter `p` with gradient `g`, following PyTorch's update exactly:
///
/// ```
/// g = g + weightDecay · p                           (if weightDecay ≠ 0)
/// b = g                                             (first step)
/// b = momentum · b + (1 - dampening) · g            (later steps; if momentum ≠ 0)
/// g = g + momentum · b  if nesterov,  else  g = b   (if momentum ≠ 0)
/// p = p - learningRate · g
/// ```
///
/// With `maximize: true` the gradient is negated first.
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var weightDecay: Double
    public var maximize: Bool
    /// One momentum buffer per parameter, made on its first step.
    private var momentumBuffers: [Tensor?]

    public init(
        _ parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
        nesterov: Bool = false, weightDecay: Double = 0, maximize: Bool = false
    ) {
        precondition(learningRate >= 0, "SGD: invalid learning rate \(learningRate)")
        precondition(momentum >= 0, "SGD: invalid momentum \(momentum)")
        precondition(weightDecay >= 0, "SGD: invalid weight decay \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum requires a momentum and zero dampening")
        validateOptimizerParameters(parameters, optimizer: "SGD")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.maximize = maximize
        momentumBuffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        for (i, p) in parameters.enumerated() {
            guard let g = p.gradientForUpdate(optimizer: "SGD", index: i) else { continue }
            var first = false
            if momentum != 0 && momentumBuffers[i] == nil {
                momentumBuffers[i] = Tensor.zeros(like: p)
                first = true
            }
            switch p.dtype {
            case .float32: update(p, g, momentumBuffers[i], first: first, as: Float.self)
            case .float64: update(p, g, momentumBuffers[i], first: first, as: Double.self)
            case .int64, .bool: preconditionFailure("optimizers update floating-point parameters only")
            }
        }
    }

    private func update<T: TensorScalar>(_ p: Tensor, _ g: Tensor, _ buffer: Tensor?, first: Bool, as _: T.Type) {
        let lr = T(learningRate), decay = T(weightDecay), mu = T(momentum), keep = T(1 - dampening)
        let sign: T = maximize ? -1 : 1
        let nesterov = self.nesterov
        p.withUnsafeMutableBufferPointer(as: T.self) { param in
            g.withUnsafeBufferPointer(as: T.self) { grad in
                guard let buffer else {
                    for i in param.indices {
                        var d = sign * grad[i]
                        if decay != 0 { d += decay * param[i] }
                        param[i] -= lr * d
                    }
                    return
                }
                buffer.withUnsafeMutableBufferPointer(as: T.self) { b in
                    for i in param.indices {
                        var d = sign * grad[i]
                        if decay != 0 { d += decay * param[i] }
                        b[i] = first ? d : mu * b[i] + keep * d
                        d = nesterov ? d + mu * b[i] : b[i]
                        param[i] -= lr * d
                    }
                }
            }
        }
    }
}
