/// Random tensors, drawn from a seedable `RandomGenerator`: one passed with `using:`
/// (as the standard library's `shuffled(using:)`), or the process-wide default
/// (see `manualSeed(_:)`).
extension Tensor {
    /// Uniform samples from [0, 1) (`torch.rand`).
    public static func rand(
        _ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false, using generator: inout RandomGenerator
    ) -> Tensor {
        let values = (0..<Shape.count(shape)).map { _ in generator.nextUniform() }
        return Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Standard normal samples (`torch.randn`).
    public static func randn(
        _ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false, using generator: inout RandomGenerator
    ) -> Tensor {
        let values = (0..<Shape.count(shape)).map { _ in generator.nextNormal() }
        return Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Integers drawn uniformly from `low..<high` (`torch.randint`), int64 unless
    /// `dtype` says otherwise.
    ///
    /// - Precondition: `low < high`.
    public static func randint(
        low: Int = 0, high: Int, shape: [Int], dtype: DType = .int64, using generator: inout RandomGenerator
    ) -> Tensor {
        precondition(low < high, "randint: expected low < high, got low \(low) and high \(high)")
        let values = (0..<Shape.count(shape)).map { _ in Int64.random(in: Int64(low)..<Int64(high), using: &generator) }
        return Tensor(shape: shape, scalars: values, dtype: dtype)
    }

    /// The integers `0..<n` in random order (`torch.randperm`), int64 unless `dtype` says otherwise.
    ///
    /// - Precondition: `n >= 0`.
    public static func randperm(_ n: Int, dtype: DType = .int64, using generator: inout RandomGenerator) -> Tensor {
        precondition(n >= 0, "randperm: expected n >= 0, got \(n)")
        var values = (0..<Int64(n)).map { $0 }
        values.shuffle(using: &generator)
        return Tensor(shape: [n], scalars: values, dtype: dtype)
    }

    /// Uniform samples from [0, 1), from the default generator.
    public static func rand(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        RandomGenerator.withDefault { rand(shape, dtype: dtype, requiresGrad: requiresGrad, using: &$0) }
    }

    /// Standard normal samples, from the default generator.
    public static func randn(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        RandomGenerator.withDefault { randn(shape, dtype: dtype, requiresGrad: requiresGrad, using: &$0) }
    }

    /// Integers drawn uniformly from `low..<high`, from the default generator.
    public static func randint(low: Int = 0, high: Int, shape: [Int], dtype: DType = .int64) -> Tensor {
        RandomGenerator.withDefault { randint(low: low, high: high, shape: shape, dtype: dtype, using: &$0) }
    }

    /// The integers `0..<n` in random order, from the default generator.
    public static func randperm(_ n: Int, dtype: DType = .int64) -> Tensor {
        RandomGenerator.withDefault { randperm(n, dtype: dtype, using: &$0) }
    }
}
