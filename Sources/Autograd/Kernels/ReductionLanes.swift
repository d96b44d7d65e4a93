import RealModule

/// Folds of contiguous float32 and float64 rows in SIMD lanes: the compiler keeps
/// a lane per element of a vector register, where a scalar loop with one
/// accumulator would wait on each addition (float addition does not reassociate).
///
/// Only lane arithmetic is written generically here: the standard library's
/// comparisons and masked replacements on a generic SIMD type run lane by lane
/// through memory even once specialised, so maps that need them go lane by lane
/// on purpose, and comparisons are written for concrete SIMD types.
enum ReductionLanes {
    /// The maximum (or minimum, by `Order`) of `n >= 1` floats; NaN wins. Concrete
    /// SIMD types, whose comparisons and masked replacements are vector instructions.
    @inline(__always)
    static func extremum<Order: ExtremumOrder>(_ p: UnsafePointer<Float>, count n: Int, _: Order.Type) -> Float {
        let raw = UnsafeRawPointer(p), greatest = Order.self == Greatest.self
        var lanes = SIMD8<Float>(repeating: p[0])
        var i = 0
        while i &+ 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            // A lane that saw NaN keeps it: no value is preferred over NaN.
            lanes.replace(with: v, where: (greatest ? v .> lanes : v .< lanes) .| (v .!= v))
            i &+= 8
        }
        var best = lanes[0]
        for lane in 1..<8 { best = step(lanes[lane], best, Order.self) }
        while i < n {
            best = step(p[i], best, Order.self)
            i &+= 1
        }
        return best
    }

    /// `extremum` of float64 values, four lanes at a time.
    @inline(__always)
    static func extremum<Order: ExtremumOrder>(_ p: UnsafePointer<Double>, count n: Int, _: Order.Type) -> Double {
        let raw = UnsafeRawPointer(p), greatest = Order.self == Greatest.self
        var lanes = SIMD4<Double>(repeating: p[0])
        var i = 0
        while i &+ 4 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD4<Double>.self)
            lanes.replace(with: v, where: (greatest ? v .> lanes : v .< lanes) .| (v .!= v))
            i &+= 4
        }
        var best = lanes[0]
        for lane in 1..<4 { best = step(lanes[lane], best, Order.self) }
        while i < n {
            best = step(p[i], best, Order.self)
            i &+= 1
        }
        return best
    }

    /// `best` after seeing `v`: NaN, once seen, stays.
    @inline(__always)
    private static func step<T: BinaryFloatingPoint, Order: ExtremumOrder>(_ v: T, _ best: T, _: Order.Type) -> T {
        !best.isNaN && (Order.prefers(v, over: best) || v.isNaN) ? v : best
    }

    /// The product of `n` values.
    @inline(__always)
    static func product<V: SIMD>(_ p: UnsafePointer<V.Scalar>, count n: Int, _: V.Type) -> V.Scalar
    where V.Scalar: BinaryFloatingPoint {
        let raw = UnsafeRawPointer(p), width = V.scalarCount, size = MemoryLayout<V.Scalar>.stride
        var lanes = V(repeating: 1)
        var i = 0
        while i &+ width <= n {
            lanes *= raw.loadUnaligned(fromByteOffset: i &* size, as: V.self)
            i &+= width
        }
        var total: V.Scalar = 1
        for lane in 0..<width { total *= lanes[lane] }
        while i < n {
            total *= p[i]
            i &+= 1
        }
        return total
    }

    /// `Σ f(p[i])` over `n` values, in blocks whose lane sums add up in Double:
    /// float32 reductions of millions of elements stay accurate.
    @inline(__always)
    static func sum<T: TensorScalar, F: LaneMap>(_ p: UnsafePointer<T>, count n: Int, _ f: F) -> Double {
        if T.self == Float.self {
            return blockedSum(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), count: n, SIMD8<Float>.self, f)
        }
        if T.self == Double.self {
            return blockedSum(UnsafeRawPointer(p).assumingMemoryBound(to: Double.self), count: n, SIMD8<Double>.self, f)
        }
        return (0..<n).reduce(0) { $0 + Double(f(p[$1])) }
    }

    @inline(__always)
    private static func blockedSum<V: SIMD, F: LaneMap>(_ p: UnsafePointer<V.Scalar>, count n: Int, _: V.Type, _ f: F) -> Double
    where V.Scalar: BinaryFloatingPoint {
        let raw = UnsafeRawPointer(p), width = V.scalarCount, size = MemoryLayout<V.Scalar>.stride
        var total = 0.0
        var i = 0
        while i < n {
            let end = Swift.min(i &+ 4096, n)
            var lanes = V()
            while i &+ width <= end {
                lanes += f(raw.loadUnaligned(fromByteOffset: i &* size, as: V.self))
                i &+= width
            }
            var s = lanes.sum()
            while i < end {
                s += f(p[i])
                i &+= 1
            }
            total += Double(s)
        }
        return total
    }
}

/// A function applied to each element before a sum, on one value or on lanes.
protocol LaneMap {
    func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S
    func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint
}

struct IdentityLane: LaneMap {
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S { x }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint { x }
}

struct SquareLane: LaneMap {
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S { x * x }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint { x * x }
}

struct MagnitudeLane: LaneMap {
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S { x.magnitude }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint {
        var result = x
        for lane in x.indices { result[lane] = x[lane].magnitude }
        return result
    }
}

/// 1 for a non-zero element (NaN included), 0 for zero.
struct NonZero: LaneMap {
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S { x != 0 ? 1 : 0 }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint {
        var result = x
        for lane in x.indices { result[lane] = self(x[lane]) }
        return result
    }
}

/// |x|^exponent, lane by lane (pow has no vector form here).
struct MagnitudePower: LaneMap {
    let exponent: Double
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S {
        S(Double.pow(Double(x.magnitude), exponent))
    }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint {
        var result = x
        for lane in x.indices { result[lane] = self(x[lane]) }
        return result
    }
}

/// x - center, with the center exactly representable in the elements' type.
struct Deviation: LaneMap {
    let center: Double
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S { x - S(center) }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint {
        x - V(repeating: V.Scalar(center))
    }
}

/// (x - center)².
struct SquaredDeviation: LaneMap {
    let center: Double
    @inline(__always) func callAsFunction<S: BinaryFloatingPoint>(_ x: S) -> S { (x - S(center)) * (x - S(center)) }
    @inline(__always) func callAsFunction<V: SIMD>(_ x: V) -> V where V.Scalar: BinaryFloatingPoint {
        let d = x - V(repeating: V.Scalar(center))
        return d * d
    }
}
