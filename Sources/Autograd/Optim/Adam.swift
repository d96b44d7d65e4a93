/// Adam, as `torch.optim.Adam`: per-parameter step sizes from running estimates of
/// the gradient's first and second moments, with bias correction.
///
/// Per parameter `p` with gradient `g` at step `t` (counted per parameter from 1),
/// following PyTorch's update exactly:
///
/// ```
/// g = g + weightDecay · p                          (Adam, if weightDecay ≠ 0)
/// p = p · (1 - learningRate · weightDecay)         (AdamW: decoupled decay, instead)
/// m = m + (1 - β₁) · (g - m)
/// v = β₂ · v + (1 - β₂) · g²
/// v̂ = max(v̂, v)                                   (amsgrad only; v̂ replaces v below)
/// p = p - learningRate / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + ε)
/// ```
///
/// The defaults are PyTorch's: learning rate 1e-3, betas (0.9, 0.999), ε 1e-8,
/// no weight decay. With `maximize: true` the gradient is negated first.
public class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public var betas: (Double, Double)
    public var epsilon: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    public var maximize: Bool
    /// Whether weight decay shrinks the parameters directly (AdamW) rather than adding to the gradient.
    public let decoupledWeightDecay: Bool
    private var states: [State?]

    /// The moment estimates of one parameter.
    private struct State {
        var step = 0
        let firstMoment: Tensor
        let secondMoment: Tensor
        let maxSecondMoment: Tensor?
    }

    public init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
        decoupledWeightDecay: Bool = false
    ) {
        let name = decoupledWeightDecay ? "AdamW" : "Adam"
        precondition(learningRate >= 0, "\(name): invalid learning rate \(learningRate)")
        precondition(epsilon >= 0, "\(name): invalid epsilon \(epsilon)")
        precondition((0..<1).contains(betas.0), "\(name): invalid beta parameter at index 0: \(betas.0)")
        precondition((0..<1).contains(betas.1), "\(name): invalid beta parameter at index 1: \(betas.1)")
        precondition(weightDecay >= 0, "\(name): invalid weight decay \(weightDecay)")
        validateOptimizerParameters(parameters, optimizer: name)
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
        self.decoupledWeightDecay = decoupledWeightDecay
        states = Array(repeating: nil, count: parameters.count)
    }

    public func step() {
        let name = decoupledWeightDecay ? "AdamW" : "Adam"
        for (i, p) in parameters.enumerated() {
            guard let g = p.gradientForUpdate(optimizer: name, index: i) else { continue }
            var state = states[i] ?? State(
                firstMoment: Tensor.zeros(like: p), secondMoment: Tensor.zeros(like: p),
                maxSecondMoment: amsgrad ? Tensor.zeros(like: p) : nil)
            state.step += 1
            states[i] = state
            switch p.dtype {
            case .float32: update(p, g, state, as: Float.self)
            case .float64: update(p, g, state, as: Double.self)
            case .int64, .bool: preconditionFailure("optimizers update floating-point parameters only")
            }
        }
    }

    private func update<T: TensorScalar>(_ p: Tensor, _ g: Tensor, _ state: State, as _: T.Type) {
        let (beta1, beta2) = betas
        let t = Double(state.step)
        let stepSize = learningRate / (1 - Double.pow(beta1, t))
        let correction2 = (1 - Double.pow(beta2, t)).squareRoot()
        let decay = T(weightDecay), shrink = T(1 - learningRate * weightDecay)
        let oneMinusBeta1 = T(1 - beta1), beta2T = T(beta2), oneMinusBeta2 = T(1 - beta2)
        let negativeStep = T(-stepSize), correction2T = T(correction2), eps = T(epsilon)
        let sign: T = maximize ? -1 : 1
        let decoupled = decoupledWeightDecay
        let maxMoment = state.maxSecondMoment
        p.withUnsafeMutableBufferPointer(as: T.self) { param in
            g.withUnsafeBufferPointer(as: T.self) { grad in
                state.firstMoment.withUnsafeMutableBufferPointer(as: T.self) { m in
                    state.secondMoment.withUnsafeMutableBufferPointer(as: T.self) { v in
                        guard let maxMoment else {
                            for i in param.indices {
                                var d = sign * grad[i]
                                if decay != 0 {
                                    if decoupled { param[i] *= shrink } else { d += decay * param[i] }
                                }
                                m[i] += oneMinusBeta1 * (d - m[i])
                                v[i] = v[i] * beta2T + oneMinusBeta2 * d * d
                                param[i] += negativeStep * m[i] / (v[i].squareRoot() / correction2T + eps)
                            }
                            return
                        }
                        maxMoment.withUnsafeMutableBufferPointer(as: T.self) { vMax in
                            for i in param.indices {
                                var d = sign * grad[i]
                                if decay != 0 {
                                    if decoupled { param[i] *= shrink } else { d += decay * param[i] }
                                }
                                m[i] += oneMinusBeta1 * (d - m[i])
                                v[i] = v[i] * beta2T + oneMinusBeta2 * d * d
                                vMax[i] = Swift.max(vMax[i], v[i])
                                param[i] += negativeStep * m[i] / (vMax[i].squareRoot() / correction2T + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adam with decoupled weight decay, as `torch.optim.AdamW`: each step first shrinks
/// the parameters by `1 - learningRate · weightDecay`, then takes an Adam step on
/// the undecayed gradient. PyTorch's defaults, with weight decay 1e-2.
public final class AdamW: Adam {
    public init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        super.init(parameters, learningRate: learningRate, betas: betas, epsilon: epsilon,
                   weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize, decoupledWeightDecay: true)
    }
}
