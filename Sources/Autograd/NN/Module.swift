/// A layer or a model: a function of one tensor that owns parameters and sub-modules.
///
/// The counterpart of `torch.nn.Module`. A conforming type declares its
/// parameters (tensors that require grad) and sub-modules as stored properties
/// and implements `forward(_:)`; calling the module (`model(x)`) runs its forward
/// hooks around `forward`, as PyTorch's `__call__` does. `namedParameters()`, `parameters()`,
/// `train()`, `eval()` and `zeroGrad()` then work with no further code, because
/// they find those properties by reflection (`Mirror`), in declaration order:
///
/// ```swift
/// struct TwoLayerNet: Module {
///     let hidden = Linear(64, 128)
///     let output = Linear(128, 10)
///     let dropout = Dropout(p: 0.2)
///
///     func forward(_ x: Tensor) -> Tensor {
///         output(dropout(relu(hidden(x))))
///     }
/// }
/// let net = TwoLayerNet()
/// net.namedParameters().map(\.0)  // ["hidden.weight", "hidden.bias", "output.weight", "output.bias"]
/// ```
///
/// What reflection sees: a stored `Tensor` that requires grad is a parameter;
/// a stored value conforming to `Module` is a sub-module; optionals, arrays and
/// string-keyed dictionaries of those are looked into (an array element is named
/// by its index, as in `layers.0.weight`; dictionary entries by key, sorted).
///
/// The built-in layers are final classes: they hold tensors, which have reference
/// semantics anyway, and `train()`/`eval()` flip a flag that every holder of the
/// layer must see. A user-defined layer may be a struct or a class; a struct's
/// training mode is that of its sub-modules, a class may store its own by
/// conforming to `TrainingModeStoring`.
public protocol Module {
    /// The forward pass. Call the module itself (`module(x)`) rather than this,
    /// so that forward hooks run.
    func forward(_ input: Tensor) -> Tensor

    /// Runs the module: `forward` with its forward hooks around it. Provided; a
    /// module implements `forward` instead.
    func callAsFunction(_ input: Tensor) -> Tensor

    /// Whether the module is in training mode (the default) rather than evaluation mode.
    ///
    /// Layers such as `Dropout` behave differently in the two. A module that does
    /// not store the flag reports that of its first sub-module, or `true` when it has none.
    var isTraining: Bool { get }
}

/// A module that stores its own training flag, which `train()` and `eval()` set.
///
/// Every built-in layer conforms. Conform a user-defined class to it when its
/// forward pass depends on the mode, with `var isTraining = true`.
public protocol TrainingModeStoring: AnyObject {
    /// Whether the module is in training mode.
    var isTraining: Bool { get set }
}

extension Module {
    /// Runs the forward pass, with the module's forward hooks around it when it
    /// has any (see `registerForwardHook`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        ForwardHooks.run(self, input)
    }

    /// The training flag of the first sub-module, or `true` for a module with none.
    public var isTraining: Bool {
        namedChildren().first?.module.isTraining ?? true
    }

    /// Puts this module and every sub-module in training mode (`mode: true`) or
    /// evaluation mode (`mode: false`), like PyTorch's `module.train(mode)`.
    ///
    /// - Parameter mode: `true` (the default) for training mode, `false` for evaluation mode.
    ///
    /// The flag lives in reference-type modules, so this works on a `let` module
    /// and on a struct whose sub-modules are the built-in (class) layers.
    public func train(_ mode: Bool = true) {
        for (_, module) in namedModules() {
            if let stored = module as? any TrainingModeStoring { stored.isTraining = mode }
        }
    }

    /// Puts this module and every sub-module in evaluation mode: `train(false)`.
    public func eval() {
        train(false)
    }

    /// Clears the gradient of every parameter.
    ///
    /// - Parameter setToNone: set `grad` to nil (PyTorch's default, and cheaper: the
    ///   next backward allocates it afresh) rather than filling it with zeros.
    public func zeroGrad(setToNone: Bool = true) {
        Autograd.zeroGrad(parameters(), setToNone: setToNone)
    }
}

/// Clears the gradients of `parameters`: sets each `grad` to nil, or to zeros with `setToNone: false`.
func zeroGrad(_ parameters: [Tensor], setToNone: Bool) {
    for p in parameters {
        if setToNone {
            p.grad = nil
        } else if let g = p.grad {
            if g.gradFn != nil { p.grad = g.detach() }
            withNoGrad { p.grad!.zero() }
        }
    }
}
