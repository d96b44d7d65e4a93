extension Tensor {
    /// A tensor from a scalar or nested arrays, whose nesting gives the shape.
    ///
    /// ```swift
    /// let x = Tensor([[1.0], [2.0]])           // shape [2, 1], float32
    /// let w = Tensor(0.5, dtype: .float64)     // 0-d
    /// ```
    public convenience init<L: TensorLiteral>(_ value: L, dtype: DType = .float32, requiresGrad: Bool = false) {
        var scalars: [Double] = []
        value.appendScalars(to: &scalars)
        self.init(shape: value.tensorShape, scalars: scalars, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` holding `scalars` in row-major order, converted to `dtype`.
    public convenience init<S: TensorScalar>(
        shape: [Int], scalars: [S], dtype: DType = .float32, requiresGrad: Bool = false
    ) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(Shape.describe(shape))")
        precondition(Shape.count(shape) == scalars.count, """
            shape \(Shape.describe(shape)) holds \(Shape.count(shape)) elements, \
            but \(scalars.count) scalars were given
            """)
        self.init(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32: Self.fill(pointer(Float.self), from: scalars)
        case .float64: Self.fill(pointer(Double.self), from: scalars)
        }
        requiresGradFlag = requiresGrad
    }

    private static func fill<S: TensorScalar, T: TensorScalar>(_ p: UnsafeMutablePointer<T>, from scalars: [S]) {
        for i in scalars.indices { p[i] = T(scalars[i]) }
    }

    /// A tensor of `shape` with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(Shape.describe(shape))")
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32: t.pointer(Float.self).update(repeating: Float(value), count: t.scalarCount)
        case .float64: t.pointer(Double.self).update(repeating: value, count: t.scalarCount)
        }
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

    /// The 1-D tensor `[start, start + step, ...]` of values below `end` (above it for a negative step).
    public static func arange(
        _ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType = .float32, requiresGrad: Bool = false
    ) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
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
