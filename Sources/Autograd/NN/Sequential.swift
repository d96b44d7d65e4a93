/// A chain of modules, each fed the previous one's output, as `torch.nn.Sequential`.
///
/// Its children are named by position, as PyTorch's: `0.weight`, `2.bias`, so a
/// PyTorch `state_dict` of an `nn.Sequential` loads into the same layers here.
///
/// ```swift
/// let model = Sequential(Linear(64, 128), ReLU(), Linear(128, 10))
/// let logits = model(x)
/// ```
public final class Sequential: Module, TrainingModeStoring {
    /// The modules, in the order they run.
    public let layers: [any Module]
    public var isTraining = true

    public init(_ layers: [any Module]) {
        self.layers = layers
    }

    public convenience init(_ layers: any Module...) {
        self.init(layers)
    }

    public func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in layer(x) }
    }

    /// The module at `index`.
    public subscript(index: Int) -> any Module { layers[index] }

    /// The number of modules.
    public var count: Int { layers.count }
}
