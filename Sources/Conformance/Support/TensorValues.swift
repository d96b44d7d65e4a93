import Autograd

/// A tensor's logical values: its shape and its elements in row-major order, as
/// `Double`. Sendable, so a thread can build its own tensors from it.
public struct TensorValues: Sendable, Equatable {
    public var shape: [Int]
    public var scalars: [Double]

    public init(shape: [Int], scalars: [Double]) {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) values")
        self.shape = shape
        self.scalars = scalars
    }

    /// The values of `tensor`, whatever its layout.
    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, scalars: tensor.scalars)
    }

    public var count: Int { scalars.count }

    /// A new contiguous tensor holding these values, rounded to `dtype`.
    public func tensor(_ dtype: DType, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, scalars: scalars, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// These values rounded to `dtype`, as a kernel of that dtype sees them.
    func rounded(to dtype: DType) -> TensorValues {
        dtype == .float64 ? self : TensorValues(shape: shape, scalars: scalars.map { Double(Float($0)) })
    }

    /// The elements' bit patterns in `dtype`, for bitwise comparisons.
    func bitPatterns(_ dtype: DType) -> [UInt64] {
        switch dtype {
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
