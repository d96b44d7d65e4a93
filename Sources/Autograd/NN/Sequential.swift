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
    /// Whether the layers are in training mode: `train()` and `eval()` set this flag and each layer's.
    public var isTraining = true

    /// A chain of `layers`, run in order.
    ///
    /// - Parameter layers: the modules; their children are named `0`, `1`, … by position.
    public init(_ layers: [any Module]) {
        self.layers = layers
    }

    /// A chain of `layers`, run in order: `Sequential(Linear(4, 8), ReLU())`.
    ///
    /// - Parameter layers: the modules; their children are named `0`, `1`, … by position.
    public convenience init(_ layers: any Module...) {
        self.init(layers)
    }

    /// Feeds `input` through each layer in turn (calling each, so its hooks run).
    public func forward(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in layer(x) }
    }

    /// The module at `index`.
    ///
    /// - Parameter index: a position in `layers`, from 0.
    public subscript(index: Int) -> any Module { layers[index] }

    /// The number of modules.
    public var count: Int { layers.count }
}
