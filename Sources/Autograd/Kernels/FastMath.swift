/// Elementary functions for reduction loops: branch-free, so loops over them vectorise.
enum FastMath {
    /// e raised to `x`: for float32 a polynomial the compiler vectorises (within a
    /// few ulp of libm's `expf`; results below the smallest normal float are 0), for
    /// float64 libm's `exp`.
    @inline(__always)
    static func exp<T: TensorScalar>(_ x: T) -> T {
        if T.self == Float.self { return unsafeBitCast(exp(unsafeBitCast(x, to: Float.self)), to: T.self) }
        return T.exp(x)
    }

    /// Cephes' `expf`: e^x = 2^k · e^r with k = round(x / ln 2) and |r| <= ln(2) / 2,
    /// e^r from a degree-6 polynomial. No branches, calls or checked conversions:
    /// k is rounded by adding 1.5 · 2^23 (whose low bits then hold it), and
    /// out-of-range and NaN inputs are handled by selects.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let high: Float = 88.72283, low: Float = -87.33654
        let clamped = x > low ? (x < high ? x : high) : low
        let magic: Float = 12_582_912
        let rounded = clamped * 1.442_695_04 + magic
        let k = rounded - magic
        let n = Int32(bitPattern: rounded.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        // ln 2 in two parts, so k · ln 2 is subtracted without rounding error.
        let r = clamped - k * 0.693_359_375 + k * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        let er = p * r * r + r + 1
        // 2^k as two factors, each a normal float for every k in [-126, 128].
        let half = n >> 1
        let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (n &- half &+ 127) &<< 23))
        var result = er * s1 * s2
        result = x < low ? 0 : result
        result = x > high ? .infinity : result
        return x != x ? x : result
    }
}

extension FastMath {
    /// `exp(_:)` on eight floats at once, the same polynomial with vector operations.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let high: Float = 88.72283, low: Float = -87.33654
        // Masked replacements, not pointwiseMin/Max: those are per-lane loops in the standard library.
        var clamped = x
        clamped.replace(with: low, where: .!(x .> low))
        clamped.replace(with: high, where: x .> high)
        let magic: Float = 12_582_912
        let rounded = clamped * 1.442_695_04 + magic
        let k = rounded - magic
        let n = unsafeBitCast(rounded, to: SIMD8<Int32>.self) &- Int32(bitPattern: magic.bitPattern)
        let r = clamped - k * 0.693_359_375 + k * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        let er = p * r * r + r + 1
        let half = n &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let s2 = unsafeBitCast((n &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
        var result = er * s1 * s2
        result.replace(with: 0, where: x .< low)
        result.replace(with: .infinity, where: x .> high)
        result.replace(with: x, where: x .!= x)
        return result
    }
}
