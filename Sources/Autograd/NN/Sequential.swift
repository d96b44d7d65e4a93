/// A chain of modules, each fed the previous one's output, as `torch.nn.Sequential`.
///
/// Its parameters are named by position: `layers.0.weight`, `layers.2.bias`.
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
