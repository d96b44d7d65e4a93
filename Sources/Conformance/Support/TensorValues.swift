import Autograd

/// A tensor's logical values: its shape and its elements in row-major order, as
/// `Double`. Sendable, so a thread can build its own tensors from it.
///
/// Floating-point values take the dtype a check runs in (`dtype` nil); integer and
/// bool values (indices, masks, an op's int64 output) keep theirs.
public struct TensorValues: Sendable, Equatable {
    /// The tensor's shape; `[]` for a 0-d tensor.
    public var shape: [Int]
    /// The elements in row-major order, as `Double` (bools as 0 and 1).
    public var scalars: [Double]
    /// The dtype of int64 and bool values; nil for floating-point values.
    public var dtype: DType?

    /// Values of `shape` from row-major `scalars`.
    ///
    /// - Parameters:
    ///   - shape: the tensor's shape.
    ///   - scalars: its elements in row-major order; their count must be the product of `shape`.
    ///   - dtype: int64 or bool for discrete values; a floating-point dtype is dropped (nil), as
    ///     floating-point values take the dtype of the check.
    /// - Precondition: `scalars.count` is the product of `shape`.
    public init(shape: [Int], scalars: [Double], dtype: DType? = nil) {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) values")
        self.shape = shape
        self.scalars = scalars
        self.dtype = dtype.flatMap { $0.isFloatingPoint ? nil : $0 }
    }

    /// The values of `tensor`, whatever its layout.
    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, scalars: tensor.scalars, dtype: tensor.dtype)
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// Whether these are floating-point values (which take part in differentiation).
    public var isFloatingPoint: Bool { dtype == nil }

    /// A new contiguous tensor holding these values: in `dtype` (rounded) when they
    /// are floating-point, else in their own dtype.
    public func tensor(_ dtype: DType, requiresGrad: Bool = false) -> Tensor {
        let target = self.dtype ?? dtype
        return Tensor(shape: shape, scalars: scalars, dtype: target, requiresGrad: requiresGrad && target.isFloatingPoint)
    }

    /// These values rounded to `dtype`, as a kernel of that dtype sees them.
    func rounded(to dtype: DType) -> TensorValues {
        guard isFloatingPoint, dtype == .float32 else { return self }
        return TensorValues(shape: shape, scalars: scalars.map { Double(Float($0)) })
    }

    /// The elements' bit patterns in `dtype`, for bitwise comparisons.
    func bitPatterns(_ dtype: DType) -> [UInt64] {
        switch self.dtype ?? dtype {
        case .float32: scalars.map { UInt64(Float($0).bitPattern) }
        case .float64, .int64, .bool: scalars.map(\.bitPattern)
        }
    }

    /// `name[i, j]` for flat index `index` of this shape.
    func describeIndex(_ index: Int, name: String) -> String {
        Self.describeIndex(index, shape: shape, name: name)
    }

    static func describeIndex(_ index: Int, shape: [Int], name: String) -> String {
        var rest = index
        var parts = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            parts[d] = rest % shape[d]
            rest /= shape[d]
        }
        return "\(name)[\(parts.map(String.init).joined(separator: ", "))]"
    }
}

extension Tensor {
    /// Bitwise snapshot of the elements, as stored in this tensor's dtype.
    var bitPatterns: [UInt64] { TensorValues(self).bitPatterns(dtype) }
}
