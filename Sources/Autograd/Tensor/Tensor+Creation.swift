extension Tensor {
    /// A tensor from a scalar or nested arrays, whose nesting gives the shape.
    ///
    /// The dtype is `dtype` when given, else the literal's: float32 for `Double`
    /// and `Float` values, int64 for `Int`, bool for `Bool`, as `torch.tensor`.
    ///
    /// ```swift
    /// let x = Tensor([[1.0], [2.0]])           // shape [2, 1], float32
    /// let w = Tensor(0.5, dtype: .float64)     // 0-d
    /// let i = Tensor([2, 0, 1])                // int64
    /// ```
    ///
    /// - Precondition: only floating-point tensors can require grad.
    public convenience init<L: TensorLiteral>(_ value: L, dtype: DType? = nil, requiresGrad: Bool = false) {
        var scalars: [Double] = []
        value.appendScalars(to: &scalars)
        self.init(shape: value.tensorShape, scalars: scalars, dtype: dtype ?? L.literalDType, requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` holding `scalars` in row-major order, converted to `dtype`
    /// (exactly, for integers up to 2^53; bool from 0 and 1).
    ///
    /// - Precondition: `scalars` has as many elements as `shape` holds, and only
    ///   floating-point tensors can require grad.
    public convenience init<S: TensorElement>(
        shape: [Int], scalars: [S], dtype: DType = .float32, requiresGrad: Bool = false
    ) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(Shape.describe(shape))")
        precondition(Shape.count(shape) == scalars.count, """
            shape \(Shape.describe(shape)) holds \(Shape.count(shape)) elements, \
            but \(scalars.count) scalars were given
            """)
        Tensor.checkRequiresGrad(requiresGrad, dtype: dtype)
        self.init(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32: Self.fill(pointer(Float.self), from: scalars)
        case .float64: Self.fill(pointer(Double.self), from: scalars)
        case .int64: Self.fill(pointer(Int64.self), from: scalars)
        case .bool: Self.fill(pointer(Bool.self), from: scalars)
        }
        requiresGradFlag = requiresGrad
    }

    private static func fill<S: TensorElement, T: TensorElement>(_ p: UnsafeMutablePointer<T>, from scalars: [S]) {
        if S.self == T.self {
            scalars.withUnsafeBufferPointer { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: $0.count * MemoryLayout<T>.stride) }
            return
        }
        for i in scalars.indices { p[i] = T(converting: scalars[i].doubleValue) }
    }

    static func checkRequiresGrad(_ requiresGrad: Bool, dtype: DType) {
        precondition(!requiresGrad || dtype.isFloatingPoint, """
            only floating-point tensors can require gradients; a \(dtype) tensor cannot \
            (make it with dtype: .float32, or convert it with converted(to:))
            """)
    }

    /// A tensor of `shape` with every element equal to `value` (converted to `dtype`).
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(Shape.describe(shape))")
        checkRequiresGrad(requiresGrad, dtype: dtype)
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        StridedLoops.fill(t, with: value)
        t.requiresGradFlag = requiresGrad
        return t
    }

    /// A tensor of `shape` filled with the integer `value`: int64 unless `dtype` says
    /// otherwise, as `torch.full` with an integer fill value.
    public static func full(_ shape: [Int], _ value: Int, dtype: DType = .int64) -> Tensor {
        full(shape, Double(value), dtype: dtype)
    }

    /// A bool tensor of `shape` filled with `value`, as `torch.full` with a bool fill value.
    public static func full(_ shape: [Int], _ value: Bool) -> Tensor { full(shape, value ? 1 : 0, dtype: .bool) }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        full(shape, 0, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tensor of zeros with the shape and dtype of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype) }

    /// A tensor of ones with the shape and dtype of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype) }

    /// A tensor filled with `value`, with the shape and dtype of `other`.
    public static func full(like other: Tensor, _ value: Double) -> Tensor { full(other.shape, value, dtype: other.dtype) }

    /// The int64 tensor `[0, 1, ..., end - 1]`, as `torch.arange(end)`.
    public static func arange(_ end: Int, dtype: DType = .int64) -> Tensor { arange(0, end, dtype: dtype) }

    /// The tensor `[start, start + step, ...]` of integers below `end` (above it for a
    /// negative step): int64 unless `dtype` says otherwise, as `torch.arange` of integers.
    public static func arange(_ start: Int, _ end: Int, step: Int = 1, dtype: DType = .int64) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
        let count = Swift.max(0, (end - start + step + (step > 0 ? -1 : 1)) / step)
        return Tensor(shape: [count], scalars: (0..<count).map { Double(start + $0 * step) }, dtype: dtype)
    }

    /// The float32 tensor `[0, 1, ...]` of values below `end`.
    public static func arange(_ end: Double, dtype: DType = .float32) -> Tensor { arange(0, end, dtype: dtype) }

    /// The tensor `[start, start + step, ...]` of values below `end` (above it for a
    /// negative step), float32 unless `dtype` says otherwise.
    public static func arange(
        _ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float32, requiresGrad: Bool = false
    ) -> Tensor {
        precondition(step != 0 && step.isFinite, "arange: step must be finite and non-zero, got \(step)")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        let values = (0..<count).map { start + Double($0) * step }
        return Tensor(shape: [count], scalars: values, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// `count` evenly spaced values from `start` to `end`, both included
    /// (`torch.linspace`), float32 unless `dtype` says otherwise.
    ///
    /// ```swift
    /// Tensor.linspace(0, 1, count: 5)   // [0, 0.25, 0.5, 0.75, 1]
    /// ```
    ///
    /// - Precondition: `count >= 0`.
    public static func linspace(
        _ start: Double, _ end: Double, count: Int, dtype: DType = .float32, requiresGrad: Bool = false
    ) -> Tensor {
        precondition(count >= 0, "linspace: count must be >= 0, got \(count)")
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        // The second half counts back from `end`, as PyTorch does, so both ends are exact;
        // a single value is `start`.
        let values = (0..<count).map { i in
            i < count / 2 || count == 1 ? start + Double(i) * step : end - Double(count - 1 - i) * step
        }
        return Tensor(shape: [count], scalars: values, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// The identity matrix with `rows` rows and `columns` columns (as many as rows
    /// when nil): ones on the main diagonal, zeros elsewhere (`torch.eye`).
    ///
    /// - Precondition: `rows >= 0` and `columns >= 0`.
    public static func eye(_ rows: Int, columns: Int? = nil, dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        let columns = columns ?? rows
        precondition(rows >= 0 && columns >= 0, "eye: sizes must be >= 0, got \(rows) rows and \(columns) columns")
        checkRequiresGrad(requiresGrad, dtype: dtype)
        let t = zeros([rows, columns], dtype: dtype)
        let ones = Tensor(storage: t.storage, shape: [Swift.min(rows, columns)], strides: [columns + 1], dtype: dtype)
        StridedLoops.fill(ones, with: 1)
        t.requiresGradFlag = requiresGrad
        return t
    }
}
