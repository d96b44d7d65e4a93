/// An n-dimensional array of `Float` or `Double` that records the operations
/// applied to it, so that gradients can flow back through them.
///
/// A tensor is a reference type, as in PyTorch: `w -= 0.01 * w.grad!` updates the
/// parameter every holder of `w` sees, and `grad` accumulates in place across
/// `backward()` calls. Its shape, strides and dtype never change; views
/// (`reshaped`, `transposed`, `expanded`) share the storage of their base.
///
/// A tensor is not `Sendable`: its data, `grad` and history are mutable and
/// unsynchronised, as in PyTorch. Threads each build their own tensors (ops and
/// the registry are safe to use from several threads at once) and exchange
/// values as `scalars`.
///
/// ```swift
/// let x = Tensor([3.0], requiresGrad: true)
/// let y = x ** 2
/// try y.backward()
/// print(x.grad!)  // tensor([6.])
/// ```
public final class Tensor {
    let storage: TensorStorage
    /// The size of each dimension; `[]` for a 0-d tensor.
    public let shape: [Int]
    /// The distance, in elements, between neighbours along each dimension.
    public let strides: [Int]
    /// Where this view starts in its storage, in elements.
    let offset: Int
    /// The element type.
    public let dtype: DType

    var requiresGradFlag: Bool
    /// The node that produced this tensor; nil for a leaf.
    public internal(set) var gradFn: Node?
    /// The accumulated gradient: set by `backward()` on leaves that require grad,
    /// and on non-leaves after `retainGrad()`.
    public var grad: Tensor?
    var retainsGrad = false

    init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int = 0, dtype: DType,
         requiresGrad: Bool = false, gradFn: Node? = nil) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        self.requiresGradFlag = requiresGrad
        self.gradFn = gradFn
    }

    /// An uninitialised contiguous tensor: kernels fill it.
    init(uninitializedShape shape: [Int], dtype: DType) {
        self.storage = TensorStorage.allocate(byteCount: Shape.count(shape) &* dtype.byteCount)
        self.shape = shape
        self.strides = Shape.contiguousStrides(shape)
        self.offset = 0
        self.dtype = dtype
        self.requiresGradFlag = false
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements.
    public var scalarCount: Int { Shape.count(shape) }

    /// Whether the elements lie in row-major order with no gaps.
    public var isContiguous: Bool {
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
    /// requires grad requires grad itself.
    public var requiresGrad: Bool {
        get { requiresGradFlag || gradFn != nil }
        set {
            guard isLeaf else {
                fatalError("""
                    requiresGrad can only be changed on leaf tensors; this tensor was produced by \
                    \(gradFn!.name). Use detach() to get a leaf.
                    """)
            }
            requiresGradFlag = newValue
        }
    }

    /// Whether this tensor is a leaf of the graph: created by the user, not by an op that recorded it.
    public var isLeaf: Bool { gradFn == nil }

    /// Keeps `grad` for this non-leaf tensor after `backward()`.
    public func retainGrad() {
        guard let node = gradFn else { return }
        retainsGrad = true
        node.retainedOutput = self
    }

    /// A tensor that shares this one's data but not its history: a new leaf that does not require grad.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    /// The first element's address.
    @inline(__always)
    func pointer<T: TensorScalar>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.data.assumingMemoryBound(to: T.self) + offset
    }

    /// Whether two tensors are views of one storage.
    func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    /// Bumped by each in-place write to this tensor's storage.
    public var version: Int { storage.version }
}
