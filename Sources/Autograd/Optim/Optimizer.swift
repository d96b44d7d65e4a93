import Foundation

/// Updates parameters from their gradients: `step()` after `backward()`, `zeroGrad()` before the next.
///
/// The counterpart of `torch.optim.Optimizer`. Parameters come in groups, each
/// with hyper-parameters of its own; a flat list of parameters is one group:
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
/// estimates, step counts) that must persist across calls and is never copied,
/// and learning-rate schedules hold the optimizer they adjust. `step()` writes
/// the parameters in place with fused loops over their buffers; it records
/// nothing in the graph. Parameters without a gradient are skipped, and their
/// state is left as it was.
public protocol Optimizer: AnyObject {
    /// The parameter groups, each completed with the optimizer's defaults.
    ///
    /// Change a group's hyper-parameters here (`optimizer.parameterGroups[0].learningRate = 1e-4`);
    /// the change applies from the next `step()`. The groups' parameters are fixed:
    /// assigning groups with other parameters traps (use `addParameterGroup(_:)`).
    var parameterGroups: [ParameterGroup] { get set }
    /// The constructor's hyper-parameters, which groups take for every value they do
    /// not set themselves (PyTorch's `optimizer.defaults`); it holds no parameters.
    var defaults: ParameterGroup { get }
    /// Adds a group of parameters, completed with the defaults, as `add_param_group`:
    /// for example layers unfrozen while fine-tuning.
    func addParameterGroup(_ group: ParameterGroup)
    /// Updates every parameter that has a gradient.
    func step()
    /// The optimizer's state, as PyTorch's `optimizer.state_dict()` laid out in safetensors.
    ///
    /// Tensors are named `state.<i>.<name>` for parameter `i` (numbered across the
    /// groups in order) and PyTorch's state names (`exp_avg`, `momentum_buffer`,
    /// ...); `step` is a 0-d float64 tensor. The metadata holds the groups'
    /// hyper-parameters as PyTorch's `param_groups` in JSON (`"param_groups"`),
    /// the optimizer's name (`"optimizer"`) and `"format": "pt"`. The tensors are
    /// copies: the result does not change as the optimizer steps on.
    func stateDict() -> Safetensors
    /// Restores the state `stateDict()` saved (or PyTorch saved in the same layout),
    /// hyper-parameters included, so training continues exactly where it left off.
    ///
    /// The file must describe as many groups of as many parameters as this optimizer
    /// has, with state tensors of the parameters' shapes (converted to their dtypes).
    /// Nothing changes unless everything loads.
    ///
    /// - Throws: `OptimizerStateError` naming what does not fit.
    func loadStateDict(_ stateDict: Safetensors) throws
}

extension Optimizer {
    /// Every parameter, group after group: the order a state dict numbers them in.
    public var parameters: [Tensor] { parameterGroups.flatMap(\.parameters) }

    /// Clears the gradient of every parameter.
    ///
    /// - Parameter setToNone: set `grad` to nil (PyTorch's default, and cheaper: the
    ///   next backward allocates it afresh) rather than filling it with zeros.
    public func zeroGrad(setToNone: Bool = true) {
        Autograd.zeroGrad(parameters, setToNone: setToNone)
    }

    /// Writes `stateDict()` to a safetensors file, beside the model's `saveParameters(to:)`.
    ///
    /// ```swift
    /// try model.saveParameters(to: directory.appending(path: "model.safetensors"))
    /// try optimizer.saveState(to: directory.appending(path: "optimizer.safetensors"))
    /// ```
    public func saveState(to url: URL) throws {
        try stateDict().write(to: url)
    }

    /// Reads a file `saveState(to:)` wrote and restores it with `loadStateDict(_:)`.
    ///
    /// - Throws: `SafetensorsError` when the file cannot be read, `OptimizerStateError`
    ///   when it does not fit this optimizer.
    public func loadState(from url: URL) throws {
        try loadStateDict(Safetensors(contentsOf: url))
    }
}
