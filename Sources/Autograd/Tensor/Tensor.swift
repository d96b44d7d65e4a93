/// An n-dimensional array that records the operations applied to it, so that
/// gradients can flow back through them.
///
/// A tensor is a reference type, as in PyTorch: `w -= 0.01 * w.grad!` updates the
/// parameter every holder of `w` sees, and `grad` accumulates in place across
/// `backward()` calls. Its shape, strides and dtype never change; views
/// (`reshaped`, `transposed`, `expanded`, slices) share the storage of their base,
/// and an in-place update through a view is seen, and differentiated, through the
/// base (PyTorch's view semantics).
///
/// Floating-point tensors (`.float32`, `.float64`) take part in differentiation;
/// `.int64` and `.bool` tensors hold indices, counts and masks and never require grad.
///
/// A tensor is not `Sendable`: its data, `grad` and history are mutable and
/// unsynchronised, as in PyTorch. Threads each build their own tensors (ops and
/// the registry are safe to use from several threads at once, and several threads
/// may run backward through one shared graph) and exchange values as `scalars`.
///
/// ```swift
/// let x = Tensor([3.0], requiresGrad: true)
/// let y = x ** 2
/// try y.backward()
/// print(x.grad!)  // tensor([6.])
/// ```
public final class Tensor {
    /// A `var` only so that the engine can ask whether a gradient's buffer is
    /// uniquely owned (`isKnownUniquelyReferenced`); it never changes.
    private(set) var storage: TensorStorage
    /// The size of each dimension; `[]` for a 0-d tensor.
    public let shape: [Int]
    /// The distance, in elements, between neighbours along each dimension.
    public let strides: [Int]
    /// Where this view starts in its storage, in elements.
    let offset: Int
    /// The element type.
    public let dtype: DType

    // The engine's fields below are changed only by the engine, never under an
    // overlapping access, so they skip Swift's dynamic exclusivity bookkeeping,
    // which every op would otherwise pay several times over.
    @exclusivity(unchecked) var requiresGradFlag: Bool
    /// The node that produced this tensor (nil for a leaf) and which of its outputs it is.
    @exclusivity(unchecked) var history: Node?
    @exclusivity(unchecked) var outputIndex = 0
    /// Set when this tensor is a view of another: see `Tensor+Views.swift`.
    @exclusivity(unchecked) var viewInfo: ViewInfo?
    /// The accumulated gradient: set by `backward()` on leaves that require grad,
    /// and on non-leaves after `retainGrad()`.
    ///
    /// - Precondition: an assigned gradient has this tensor's shape and dtype.
    public var grad: Tensor? {
        didSet {
            guard let grad, grad !== oldValue else { return }
            precondition(grad.shape == shape && grad.dtype == dtype, """
                assigned grad has shape \(Shape.describe(grad.shape)) and dtype \(grad.dtype); \
                expected this tensor's shape \(Shape.describe(shape)) and dtype \(dtype)
                """)
        }
    }
    @exclusivity(unchecked) var retainsGrad = false
    /// Set when a node saved this very object (not an alias) for its backward: an
    /// in-place update that gives it new history must then release those saves.
    @exclusivity(unchecked) var isSavedAsItself = false
    /// Where gradients for this leaf are accumulated; made on first use, shared by
    /// every node that reads the leaf, and holding the leaf weakly.
    @exclusivity(unchecked) var accumulator: GradAccumulator?
    /// The forward-mode tangent carried with this value inside `jvp`, and the level it belongs to.
    @exclusivity(unchecked) var tangentStorage: Tangent?

    init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int = 0, dtype: DType,
         requiresGrad: Bool = false) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        self.requiresGradFlag = requiresGrad
    }

    /// An uninitialised contiguous tensor: kernels fill it.
    ///
    /// Traps when the memory cannot be had; ops allocate their outputs through
    /// `KernelContext.makeOutput()`, which throws instead.
    convenience init(uninitializedShape shape: [Int], dtype: DType) {
        guard let storage = Tensor.allocateStorage(shape: shape, dtype: dtype) else {
            fatalError("cannot allocate a \(dtype) tensor of shape \(Shape.describe(shape))")
        }
        self.init(storage: storage, shape: shape, strides: Shape.contiguousStrides(shape), dtype: dtype)
    }

    /// An uninitialised contiguous tensor, or an error naming `op`, the shape and
    /// the dtype when its size overflows or the memory cannot be had.
    static func uninitialized(_ shape: [Int], dtype: DType, op: String) throws -> Tensor {
        guard let storage = allocateStorage(shape: shape, dtype: dtype) else {
            let count = Shape.checkedCount(shape).map { "\($0) elements" } ?? "more elements than an Int can count"
            throw AutogradError(.allocation, """
                \(op): cannot allocate a \(dtype) tensor of shape \(Shape.describe(shape)) (\(count))
                """)
        }
        return Tensor(storage: storage, shape: shape, strides: Shape.contiguousStrides(shape), dtype: dtype)
    }

    private static func allocateStorage(shape: [Int], dtype: DType) -> TensorStorage? {
        guard let count = Shape.checkedCount(shape) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteCount)
        return overflow ? nil : TensorStorage.allocate(byteCount: bytes)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var scalarCount: Int { Shape.count(shape) }

    /// Whether the elements lie in row-major order with no gaps.
    public var isContiguous: Bool {
        // An empty tensor has no elements to misplace, whatever its strides.
        if shape.contains(0) { return true }
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected &*= shape[i]
        }
        return true
    }

    /// Whether gradients are computed for this tensor.
    ///
    /// Settable on leaves only, as in PyTorch: a tensor computed from one that
    /// requires grad requires grad itself. Only floating-point tensors can require grad.
    public var requiresGrad: Bool {
        get { requiresGradFlag || history != nil || (viewInfo?.base.requiresGrad ?? false) }
        set {
            guard isLeaf else {
                fatalError("""
                    requiresGrad can only be changed on leaf tensors; this tensor was produced by \
                    \(gradFn!.name). Use detach() to get a leaf.
                    """)
            }
            precondition(!newValue || dtype.isFloatingPoint, """
                only floating-point tensors can require gradients; this tensor is \(dtype) \
                (convert it with converted(to: .float32) first)
                """)
            requiresGradFlag = newValue
        }
    }

    /// Whether this tensor is a leaf of the graph: created by the user, not by an op that recorded it.
    public var isLeaf: Bool { gradFn == nil }

    /// Keeps `grad` for this non-leaf tensor after `backward()`.
    public func retainGrad() {
        guard let node = gradFn else { return }
        retainsGrad = true
        node.retain(output: outputIndex, in: self)
    }

    /// A tensor that shares this one's data and version counter but not its history:
    /// a new leaf that does not require grad.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    /// The first element's address.
    @inline(__always)
    func pointer<T: TensorElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.data.assumingMemoryBound(to: T.self) + offset
    }

    /// Whether nothing else holds this tensor's storage: no view, alias or other tensor.
    func ownsStorageUniquely() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// Whether two tensors are views of one storage.
    func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    /// Bumped by each in-place write to this tensor's storage.
    public var version: Int { storage.version }
}

extension Tensor {
    /// The node that produced this tensor; nil for a leaf.
    ///
    /// For a view whose base was modified in place since the view was made, the
    /// history is rebuilt on the base's current history first (PyTorch's view
    /// tracking), so the view differentiates as what it now shows.
    ///
    /// - Precondition: PyTorch would raise here too: the view was made with grad
    ///   mode off, or is one of several views one op returned, and its base was
    ///   modified in place since (ops given such a view throw instead).
    public var gradFn: Node? { trapOnError { try currentGradFn() } }

    /// `gradFn`, throwing instead of trapping when a view's history cannot be rebuilt.
    func currentGradFn() throws -> Node? {
        if viewInfo != nil { try refreshViewHistory() }
        return history
    }
}
