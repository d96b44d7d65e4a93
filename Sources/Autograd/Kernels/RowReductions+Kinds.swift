/// The reductions of max/min, prod, norm, logsumexp, var and std, as `RowReduction`s.
/// Float rows run in SIMD lanes (`ReductionLanes`); int64 rows in four scalar accumulators.

/// Which of two values an extremum prefers: the greater (max) or the lesser (min).
protocol ExtremumOrder {
    static func prefers<T: Comparable>(_ a: T, over b: T) -> Bool
}

enum Greatest: ExtremumOrder {
    @inline(__always) static func prefers<T: Comparable>(_ a: T, over b: T) -> Bool { a > b }
}

enum Least: ExtremumOrder {
    @inline(__always) static func prefers<T: Comparable>(_ a: T, over b: T) -> Bool { a < b }
}

/// The maximum or minimum of each row and the position of its first occurrence;
/// NaN wins (its first position), as in PyTorch.
struct ExtremumReduction<T: TensorNumeric, Order: ExtremumOrder>: RowReduction {
    /// The value and its position in the row; position -1 for an empty stretch.
    typealias Partial = (value: T, position: Int)
    let values: UnsafeMutablePointer<T>?
    let positions: UnsafeMutablePointer<Int64>?

    func fold(_ p: UnsafePointer<T>, count: Int, start: Int) -> Partial {
        guard count > 0 else { return (p.pointee, -1) }
        let value: T
        if T.self == Float.self {
            value = unsafeBitCast(ReductionLanes.extremum(rebound(p, Float.self), count: count, Order.self), to: T.self)
        } else if T.self == Double.self {
            value = unsafeBitCast(ReductionLanes.extremum(rebound(p, Double.self), count: count, Order.self), to: T.self)
        } else {
            // Integers: four accumulators, and no NaN.
            var b0 = p[0], b1 = b0, b2 = b0, b3 = b0
            var i = 0
            while i &+ 4 <= count {
                b0 = Order.prefers(p[i], over: b0) ? p[i] : b0
                b1 = Order.prefers(p[i &+ 1], over: b1) ? p[i &+ 1] : b1
                b2 = Order.prefers(p[i &+ 2], over: b2) ? p[i &+ 2] : b2
                b3 = Order.prefers(p[i &+ 3], over: b3) ? p[i &+ 3] : b3
                i &+= 4
            }
            while i < count {
                b0 = Order.prefers(p[i], over: b0) ? p[i] : b0
                i &+= 1
            }
            b0 = Order.prefers(b1, over: b0) ? b1 : b0
            b2 = Order.prefers(b3, over: b2) ? b3 : b2
            value = Order.prefers(b2, over: b0) ? b2 : b0
        }
        guard positions != nil || value.isNaNValue else { return (value, start) }
        // The first occurrence: of a NaN when there is one (the value is then NaN).
        for i in 0..<count where p[i] == value || (value.isNaNValue && p[i].isNaNValue) { return (p[i], start + i) }
        return (value, start)
    }

    func combine(_ a: Partial, _ b: Partial) -> Partial {
        if a.position < 0 || b.value.isNaNValue && !a.value.isNaNValue { return b }
        if b.position < 0 || a.value.isNaNValue { return a }
        return Order.prefers(b.value, over: a.value) ? b : a
    }

    func finish(_ partial: Partial, count _: Int, index: Int) {
        values?[index] = partial.value
        positions?[index] = Int64(partial.position)
    }
}

/// The product of each row (integers wrap, as PyTorch's).
struct ProductReduction<T: TensorNumeric>: RowReduction {
    let output: UnsafeMutablePointer<T>

    func fold(_ p: UnsafePointer<T>, count: Int, start _: Int) -> T {
        if T.self == Float.self {
            return unsafeBitCast(ReductionLanes.product(rebound(p, Float.self), count: count, SIMD8<Float>.self), to: T.self)
        }
        if T.self == Double.self {
            return unsafeBitCast(ReductionLanes.product(rebound(p, Double.self), count: count, SIMD8<Double>.self), to: T.self)
        }
        var a0 = T.oneValue, a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i &+ 4 <= count {
            a0 = T.wrappingMultiply(a0, p[i])
            a1 = T.wrappingMultiply(a1, p[i &+ 1])
            a2 = T.wrappingMultiply(a2, p[i &+ 2])
            a3 = T.wrappingMultiply(a3, p[i &+ 3])
            i &+= 4
        }
        while i < count { a0 = T.wrappingMultiply(a0, p[i]); i &+= 1 }
        return T.wrappingMultiply(T.wrappingMultiply(a0, a1), T.wrappingMultiply(a2, a3))
    }

    func combine(_ a: T, _ b: T) -> T { T.wrappingMultiply(a, b) }
    func finish(_ partial: T, count _: Int, index: Int) { output[index] = partial }
}

/// `torch.linalg.vector_norm` of each row.
struct NormReduction<T: TensorScalar>: RowReduction {
    enum Kind {
        case nonzeroCount, absoluteSum, euclidean, maxAbsolute, minAbsolute
        case power(Double)
    }

    let kind: Kind
    let output: UnsafeMutablePointer<T>

    init(p: Double, output: UnsafeMutablePointer<T>) {
        switch p {
        case 0: kind = .nonzeroCount
        case 1: kind = .absoluteSum
        case 2: kind = .euclidean
        case .infinity: kind = .maxAbsolute
        case -.infinity: kind = .minAbsolute
        default: kind = .power(p)
        }
        self.output = output
    }

    func fold(_ p: UnsafePointer<T>, count: Int, start _: Int) -> Double {
        switch kind {
        case .nonzeroCount: return ReductionLanes.sum(p, count: count, NonZero())
        case .absoluteSum: return ReductionLanes.sum(p, count: count, MagnitudeLane())
        case .euclidean: return ReductionLanes.sum(p, count: count, SquareLane())
        case .power(let e): return ReductionLanes.sum(p, count: count, MagnitudePower(exponent: e))
        case .maxAbsolute, .minAbsolute:
            // The identity of an empty stretch; rows are never empty (the shape rule refuses).
            var m = count == 0 ? Double.nan : Double(Swift.abs(p[0]))
            var largest = false
            if case .maxAbsolute = kind { largest = true }
            for i in 0..<count {
                let v = Double(Swift.abs(p[i]))
                if v.isNaN || m.isNaN { m = .nan } else if largest ? v > m : v < m { m = v }
            }
            return m
        }
    }

    func combine(_ a: Double, _ b: Double) -> Double {
        switch kind {
        case .maxAbsolute: a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .minAbsolute: a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        default: a + b
        }
    }

    func finish(_ partial: Double, count _: Int, index: Int) {
        switch kind {
        case .euclidean: output[index] = T(partial.squareRoot())
        case .power(let e): output[index] = T(Double.pow(partial, 1 / e))
        default: output[index] = T(partial)
        }
    }
}

/// `log Σ exp(x)` of each row, stable: the row's maximum is factored out (an
/// infinite maximum is not, as PyTorch's), so large magnitudes neither overflow
/// nor vanish and a row of -inf gives -inf.
struct LogSumExpReduction<T: TensorScalar>: RowReduction {
    /// The stretch's maximum and `Σ exp(x - shift(maximum))`.
    typealias Partial = (maximum: T, sum: T)
    let output: UnsafeMutablePointer<T>

    @inline(__always) static func shift(_ m: T) -> T { m.isInfinite ? 0 : m }

    func fold(_ p: UnsafePointer<T>, count: Int, start _: Int) -> Partial {
        guard count > 0 else { return (-.infinity, 0) }
        if T.self == Float.self {
            let (m, s) = LogSumExpKernels.row(rebound(p, Float.self), count: count)
            return (unsafeBitCast(m, to: T.self), unsafeBitCast(s, to: T.self))
        }
        // NaN is skipped here; it reaches the sum through exp and makes it NaN.
        var m = p[0]
        for i in 0..<count where p[i] > m { m = p[i] }
        let c = Self.shift(m)
        var total = T.zero
        for i in 0..<count { total += T.exp(p[i] - c) }
        return (m, total)
    }

    func combine(_ a: Partial, _ b: Partial) -> Partial {
        if a.maximum.isNaN || b.maximum.isNaN { return (.nan, .nan) }
        let m = Swift.max(a.maximum, b.maximum), c = Self.shift(m)
        func rescaled(_ x: Partial) -> T { x.sum == 0 ? 0 : x.sum * T.exp(Self.shift(x.maximum) - c) }
        return (m, rescaled(a) + rescaled(b))
    }

    func finish(_ partial: Partial, count _: Int, index: Int) {
        output[index] = Self.shift(partial.maximum) + T.log(partial.sum)
    }
}

/// The variance (or standard deviation) of each row, with `correction` subtracted
/// from the count (Bessel's correction for 1), in two passes per stretch and
/// Chan's formula across stretches.
struct MomentsReduction<T: TensorScalar>: RowReduction {
    /// The stretch's element count, mean and sum of squared deviations from it.
    typealias Partial = (count: Int, mean: Double, squares: Double)
    let correction: Double
    let standardDeviation: Bool
    let output: UnsafeMutablePointer<T>

    func fold(_ p: UnsafePointer<T>, count: Int, start _: Int) -> Partial {
        guard count > 0 else { return (0, 0, 0) }
        // Deviations from the mean rounded to T, corrected by their own sum (the
        // corrected two-pass algorithm).
        let c = Double(T(ReductionLanes.sum(p, count: count, IdentityLane()) / Double(count)))
        let first = ReductionLanes.sum(p, count: count, Deviation(center: c))
        let second = ReductionLanes.sum(p, count: count, SquaredDeviation(center: c))
        return (count, c + first / Double(count), second - first * first / Double(count))
    }

    func combine(_ a: Partial, _ b: Partial) -> Partial {
        if a.count == 0 { return b }
        if b.count == 0 { return a }
        let n = Double(a.count + b.count), delta = b.mean - a.mean
        return (a.count + b.count, a.mean + delta * Double(b.count) / n,
                a.squares + b.squares + delta * delta * Double(a.count) * Double(b.count) / n)
    }

    func finish(_ partial: Partial, count: Int, index: Int) {
        let variance = partial.squares / Swift.max(0, Double(count) - correction)
        output[index] = T(standardDeviation ? variance.squareRoot() : variance)
    }
}

/// `p` read as `U`, which is its element type (checked by the caller's `T.self == U.self`).
@inline(__always)
private func rebound<T, U>(_ p: UnsafePointer<T>, _: U.Type) -> UnsafePointer<U> {
    UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
}
