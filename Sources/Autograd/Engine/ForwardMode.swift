import CAutogradRuntime
import Synchronization

/// A forward-mode tangent and the `jvp` call (level) it belongs to: a tangent
/// left in a tensor after its `jvp` returned is ignored.
struct Tangent {
    let level: Int
    let value: Tensor
}

/// Forward-mode state, per thread, like grad mode: which `jvp` is running, and
/// whether tangents are being carried (they are not inside kernels and forward rules).
enum ForwardAD {
    private static let levels = Atomic<Int>(0)

    /// The running `jvp`'s level; 0 outside any.
    static var level: Int { autograd_forward_level() }

    /// Whether ops carry tangents now.
    static var isActive: Bool {
        @inline(__always) get { autograd_forward_is_active() }
    }

    @inline(__always)
    static func withPaused<R>(_ body: () throws -> R) rethrows -> R {
        let previous = autograd_forward_set_paused(true)
        defer { _ = autograd_forward_set_paused(previous) }
        return try body()
    }

    /// Runs `body` as a new forward-mode level.
    static func withNewLevel<R>(_ body: () throws -> R) throws -> R {
        guard level == 0 else {
            throw AutogradError(.graph, """
                jvp: nested jvp is not supported (a jvp is already running on this thread); \
                compose the inner function's tangents by hand, or use jacobian(_:at:) for the outer derivative
                """)
        }
        autograd_forward_set_level(levels.add(1, ordering: .relaxed).newValue)
        let previous = autograd_forward_set_paused(false)
        defer {
            autograd_forward_set_level(0)
            _ = autograd_forward_set_paused(previous)
        }
        return try body()
    }
}

extension Tensor {
    /// This tensor's tangent in the running `jvp`, or nil.
    var tangent: Tensor? {
        get {
            guard let t = tangentStorage, t.level == ForwardAD.level else { return nil }
            return t.value
        }
        set { tangentStorage = newValue.map { Tangent(level: ForwardAD.level, value: $0) } }
    }

    /// An alias of this tensor that a transform's function receives: the same
    /// data, connected to the same graph (or, when it is outside any, a new leaf
    /// that requires grad when `requiringGrad`).
    fileprivate func transformInput(requiringGrad: Bool) throws -> Tensor {
        let alias = historyFreeAlias()
        alias.tangentStorage = nil
        if let node = try currentGradFn() {
            alias.history = node
            alias.outputIndex = outputIndex
        } else if requiresGradFlag {
            alias.requiresGradFlag = true
            if case .accumulate(let accumulator) = try gradientEdge() { alias.accumulator = accumulator }
        } else {
            alias.requiresGradFlag = requiringGrad && dtype.isFloatingPoint
        }
        return alias
    }
}

/// The Jacobian-vector product of `f` at `primals` along `tangents`, in one
/// forward pass, as `torch.func.jvp`.
///
/// Each primal carries its tangent through every op `f` applies (dual tensors),
/// each op's forward-mode rule giving its outputs' tangents; no backward pass
/// runs. Forward over reverse works: when `f` calls `grad(of:wrt:createGraph:)`,
/// the tangents flow through the backward pass too, which gives Hessian-vector products.
///
/// ```swift
/// let (ys, jv) = try jvp({ [sin($0[0]) * $0[1]] }, primals: [x, y], tangents: [tx, ty])
/// ```
///
/// - Returns: `f`'s outputs, and per output its tangent (nil for an output that
///   does not depend on the primals, or that is not floating-point).
/// - Throws: `AutogradError` when the counts, shapes or dtypes of `tangents` do
///   not match `primals`, a primal is not floating-point, an op on the way has no
///   forward-mode rule, or `f` throws.
public func jvp(
    _ f: ([Tensor]) throws -> [Tensor], primals: [Tensor], tangents: [Tensor]
) throws -> (outputs: [Tensor], tangents: [Tensor?]) {
    try checkTransformArguments("jvp", primals, tangents, name: "tangents")
    return try ForwardAD.withNewLevel {
        let duals = try primals.indices.map { i -> Tensor in
            let dual = try primals[i].transformInput(requiringGrad: false)
            dual.tangent = tangents[i]
            return dual
        }
        let outputs = try f(duals)
        let outputTangents = outputs.map { $0.dtype.isFloatingPoint ? $0.tangent : nil }
        let plain = outputs.map { output -> Tensor in
            let alias = output.historyFreeAlias()
            alias.tangentStorage = nil
            if let node = output.gradFn {
                alias.history = node
                alias.outputIndex = output.outputIndex
            }
            return alias
        }
        return (plain, outputTangents.map { t in t.map { $0.historyFreeAlias() } })
    }
}

/// The vector-Jacobian product of `f` at `primals` with `cotangents`, as
/// `torch.func.vjp` followed by its `vjp_fn`.
///
/// - Returns: `f`'s outputs, and per primal `Jᵀ·v` (nil for a primal the
///   outputs do not depend on).
public func vjp(
    _ f: ([Tensor]) throws -> [Tensor], primals: [Tensor], cotangents: [Tensor]
) throws -> (outputs: [Tensor], cotangents: [Tensor?]) {
    for (i, p) in primals.enumerated() where !p.dtype.isFloatingPoint {
        throw AutogradError(.dtype, "vjp: primal \(i) is \(p.dtype); only floating-point primals can be differentiated")
    }
    let inputs = try primals.map { try $0.transformInput(requiringGrad: true) }
    let outputs = try withGrad { try f(inputs) }
    try checkTransformArguments("vjp", outputs, cotangents, name: "cotangents", what: "outputs")
    let createGraph = GradMode.isEnabled && primals.contains(where: \.requiresGrad)
    let used = outputs.indices.filter { outputs[$0].requiresGrad }
    var results: [Tensor?] = Array(repeating: nil, count: primals.count)
    if !used.isEmpty {
        results = try grad(of: used.map { outputs[$0] }, wrt: inputs, gradOutputs: used.map { cotangents[$0] },
                           createGraph: createGraph, allowUnused: true)
    }
    return (outputs, results)
}

private func checkTransformArguments(
    _ transform: String, _ values: [Tensor], _ directions: [Tensor], name: String, what: String = "primals"
) throws {
    guard values.count == directions.count else {
        throw AutogradError(.graph, "\(transform): \(values.count) \(what) but \(directions.count) \(name)")
    }
    for (i, (v, d)) in zip(values, directions).enumerated() {
        guard v.dtype.isFloatingPoint else {
            throw AutogradError(.dtype, "\(transform): \(what) \(i) is \(v.dtype); only floating-point values have \(name)")
        }
        guard v.shape == d.shape, v.dtype == d.dtype else {
            throw AutogradError(.shape, """
                \(transform): \(name) \(i) is a \(d.dtype) tensor of shape \(Shape.describe(d.shape)); expected the \
                \(what.dropLast())'s \(v.dtype) \(Shape.describe(v.shape))
                """)
        }
    }
}
