import Foundation

/// A small reproducible generator for test data (SplitMix64, normals by Box–Muller).
public struct SplitMix {
    private var state: UInt64

    /// A generator whose sequence `seed` fixes.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }

    /// Standard normal.
    public mutating func normal() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }

    /// `count` standard normals.
    public mutating func normals(_ count: Int) -> [Double] { (0..<count).map { _ in normal() } }

    /// Small integers, so that pooling windows have ties.
    public mutating func integers(_ count: Int, below bound: Int) -> [Double] {
        (0..<count).map { _ in Double(Int(next() % UInt64(bound))) }
    }
}
