/// Zeroes each element with probability `p` during training, as `torch.nn.Dropout`.
///
/// Inverted dropout: the kept elements are scaled by `1 / (1 - p)`, so the
/// expected output equals the input and evaluation mode is the identity.
/// In evaluation mode (`eval()`) the input passes through unchanged.
///
/// The masks come from the default generator (see `manualSeed(_:)`), or from
/// the layer's own generator when one is given.
public final class Dropout: Module, TrainingModeStoring {
    /// The probability of zeroing an element.
    public let p: Double
    /// Whether the layer is in training mode, where it drops elements; `eval()` turns it off.
    public var isTraining = true
    private var generator: RandomGenerator?

    /// A dropout layer drawing its masks from the default generator.
    ///
    /// - Parameter p: the probability of zeroing an element, in [0, 1] (default 0.5).
    public init(p: Double = 0.5) {
        precondition((0...1).contains(p), "Dropout: p must be in [0, 1], got \(p)")
        self.p = p
    }

    /// A dropout layer drawing its masks from its own `generator`.
    ///
    /// - Parameters:
    ///   - p: the probability of zeroing an element, in [0, 1] (default 0.5).
    ///   - generator: the layer's generator; the layer keeps a copy and advances it.
    public convenience init(p: Double = 0.5, generator: RandomGenerator) {
        self.init(p: p)
        self.generator = generator
    }

    /// In training, zeroes elements with probability `p` and scales the rest by `1 / (1 - p)`; in evaluation, returns `input`.
    public func forward(_ input: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return input }
        return input * mask(like: input)
    }

    /// `1 / (1 - p)` with probability `1 - p`, else 0, per element.
    private func mask(like input: Tensor) -> Tensor {
        let mask = Tensor.zeros(input.shape, dtype: input.dtype)
        if p == 1 { return mask }
        if var own = generator {
            fill(mask, using: &own)
            generator = own
        } else {
            RandomGenerator.withDefault { fill(mask, using: &$0) }
        }
        return mask
    }

    private func fill(_ mask: Tensor, using generator: inout RandomGenerator) {
        if mask.dtype == .float32 {
            fill(mask, using: &generator, as: Float.self)
        } else {
            fill(mask, using: &generator, as: Double.self)
        }
    }

    private func fill<T: TensorScalar>(_ mask: Tensor, using generator: inout RandomGenerator, as _: T.Type) {
        let scale = T(1 / (1 - p))
        mask.withUnsafeMutableBufferPointer(as: T.self) { m in
            for i in m.indices where generator.nextUniform() >= p { m[i] = scale }
        }
    }
}
