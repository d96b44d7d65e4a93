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

    /// Uniform samples from [0, 1), drawn from `generator`.
    public static func rand(
        _ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false, generator: inout RandomGenerator
    ) -> Tensor {
        let values = (0..<Shape.count(shape)).map { _ in generator.nextUniform() }
        return Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Standard normal samples, drawn from `generator`.
    public static func randn(
        _ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false, generator: inout RandomGenerator
    ) -> Tensor {
        let values = (0..<Shape.count(shape)).map { _ in generator.nextNormal() }
        return Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Uniform samples from [0, 1), drawn from the default generator (see `manualSeed(_:)`).
    public static func rand(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        RandomGenerator.withDefault { rand(shape, dtype: dtype, requiresGrad: requiresGrad, generator: &$0) }
    }

    /// Standard normal samples, drawn from the default generator (see `manualSeed(_:)`).
    public static func randn(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        RandomGenerator.withDefault { randn(shape, dtype: dtype, requiresGrad: requiresGrad, generator: &$0) }
    }
}
