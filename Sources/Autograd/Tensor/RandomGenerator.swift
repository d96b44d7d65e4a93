/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// Same seed, same numbers, on every machine. The values differ from PyTorch's
/// Mersenne Twister; seeding makes runs repeatable, not identical to PyTorch's.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits (one xoshiro256** step), for `RandomNumberGenerator`'s
    /// methods such as `Double.random(in:using:)`.
    public mutating func next() -> UInt64 {
        let result = (state.1 &* 5).rotatedLeft(by: 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3.rotatedLeft(by: 45)
        return result
    }

    /// A uniform sample from [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUniform()  // in (0, 1], so log(u1) is finite
        let u2 = nextUniform()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2)
    }

    private static let defaultGenerator = Locked(RandomGenerator(seed: 0x5EED))

    /// Runs `body` with exclusive access to the process-wide default generator.
    static func withDefault<R>(_ body: (inout RandomGenerator) -> R) -> R {
        defaultGenerator.withLock { body(&$0) }
    }

    /// Reseeds the process-wide default generator, like `torch.manual_seed`.
    public static func manualSeed(_ seed: UInt64) {
        defaultGenerator.withLock { $0 = RandomGenerator(seed: seed) }
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by k: UInt64) -> UInt64 { (self << k) | (self >> (64 - k)) }
}

/// Reseeds the default generator used by `Tensor.rand`, `Tensor.randn` and layer initialisation.
public func manualSeed(_ seed: UInt64) {
    RandomGenerator.manualSeed(seed)
}
