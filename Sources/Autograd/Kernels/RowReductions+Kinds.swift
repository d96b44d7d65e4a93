/// The reductions of max/min, prod, norm, logsumexp, var and std, as `RowReduction`s.

/// Which of two values an extremum prefers: the greater (max) or the lesser (min).
protocol ExtremumOrder {
    static func prefers<T: TensorNumeric>(_ a: T, over b: T) -> Bool
}

enum Greatest: ExtremumOrder {
    @inline(__always) static func prefers<T: TensorNumeric>(_ a: T, over b: T) -> Bool { a > b }
}

enum Least: ExtremumOrder {
    @inline(__always) static func prefers<T: TensorNumeric>(_ a: T, over b: T) -> Bool { a < b }
}

/// The maximum or minimum of each row and the position of its first occurrence;
/// NaN wins (its first position), as in PyTorch.
struct ExtremumReduction<T: TensorNumeric, Order: ExtremumOrder>: RowReduction {
    /// The value and its position in the row; position -1 for an empty stretch.
    typealias Partial = (value: T, position: Int)
    let values: UnsafeMutablePointer<T>?
    let positions: UnsafeMutablePointer<Int64>?

    func fold(_ p: UnsafePointer<T>, count: Int, stride: Int, start: Int) -> Partial {
        guard count > 0 else { return (p.pointee, -1) }
        // One vectorisable pass for the value, NaN ignored; `probe` turns NaN when a
        // NaN (or an infinity: x - x) passes, and only then is the row searched for NaN.
        func best(stride s: Int) -> (T, T) {
            var b0 = p[0], b1 = b0, b2 = b0, b3 = b0
            var probe = T.zeroValue
            var i = 0
            while i &+ 4 <= count {
                let v0 = p[i &* s], v1 = p[(i &+ 1) &* s], v2 = p[(i &+ 2) &* s], v3 = p[(i &+ 3) &* s]
                b0 = Order.prefers(v0, over: b0) ? v0 : b0
                b1 = Order.prefers(v1, over: b1) ? v1 : b1
                b2 = Order.prefers(v2, over: b2) ? v2 : b2
                b3 = Order.prefers(v3, over: b3) ? v3 : b3
                probe = T.wrappingAdd(probe, T.wrappingAdd(T.wrappingSubtract(v0, v0), T.wrappingSubtract(v1, v1)))
                probe = T.wrappingAdd(probe, T.wrappingAdd(T.wrappingSubtract(v2, v2), T.wrappingSubtract(v3, v3)))
                i &+= 4
            }
            while i < count {
                let v = p[i &* s]
                b0 = Order.prefers(v, over: b0) ? v : b0
                probe = T.wrappingAdd(probe, T.wrappingSubtract(v, v))
                i &+= 1
            }
            b0 = Order.prefers(b1, over: b0) ? b1 : b0
            b2 = Order.prefers(b3, over: b2) ? b3 : b2
            return (Order.prefers(b2, over: b0) ? b2 : b0, probe)
        }
        let (value, probe) = stride == 1 ? best(stride: 1) : best(stride: stride)
        if probe.isNaNValue || value.isNaNValue {
            // A NaN, or only infinities (for which `value` is already right).
            for i in 0..<count where p[i &* stride].isNaNValue { return (p[i &* stride], start + i) }
        }
        guard positions != nil else { return (value, start) }
        for i in 0..<count where p[i &* stride] == value { return (value, start + i) }
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

    func fold(_ p: UnsafePointer<T>, count: Int, stride: Int, start _: Int) -> T {
        func product(stride s: Int) -> T {
            var a0 = T.oneValue, a1 = a0, a2 = a0, a3 = a0
            var i = 0
            while i &+ 4 <= count {
                a0 = T.wrappingMultiply(a0, p[i &* s])
                a1 = T.wrappingMultiply(a1, p[(i &+ 1) &* s])
                a2 = T.wrappingMultiply(a2, p[(i &+ 2) &* s])
                a3 = T.wrappingMultiply(a3, p[(i &+ 3) &* s])
                i &+= 4
            }
            while i < count { a0 = T.wrappingMultiply(a0, p[i &* s]); i &+= 1 }
            return T.wrappingMultiply(T.wrappingMultiply(a0, a1), T.wrappingMultiply(a2, a3))
        }
        return stride == 1 ? product(stride: 1) : product(stride: stride)
    }

    func combine(_ a: T, _ b: T) -> T { T.wrappingMultiply(a, b) }
    func finish(_ partial: T, count _: Int, index: Int) { output[index] = partial }
}

/// `torch.linalg.vector_norm` of each row.
struct NormReduction<T: TensorScalar>: RowReduction {
    enum Kind {
        case nonzeroCount, absoluteSum, euclidean, maxAbsolute, minAbsolute
        case power(T)
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
        default: kind = .power(T(p))
        }
        self.output = output
    }

    func fold(_ p: UnsafePointer<T>, count: Int, stride: Int, start _: Int) -> Double {
        switch kind {
        case .nonzeroCount: return ReductionKernels.sum(p, count: count, stride: stride) { $0 != 0 ? 1 : 0 }
        case .absoluteSum: return ReductionKernels.sum(p, count: count, stride: stride) { Swift.abs($0) }
        case .euclidean: return ReductionKernels.sum(p, count: count, stride: stride) { $0 * $0 }
        case .power(let e): return ReductionKernels.sum(p, count: count, stride: stride) { T.cPow(Swift.abs($0), e) }
        case .maxAbsolute, .minAbsolute:
            // The identity of an empty stretch; rows are never empty (the shape rule refuses).
            var m = count == 0 ? Double.nan : Double(Swift.abs(p[0]))
            var largest = false
            if case .maxAbsolute = kind { largest = true }
            for i in 0..<count {
                let v = Double(Swift.abs(p[i &* stride]))
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
        case .power(let e): output[index] = T.cPow(T(partial), 1 / e)
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

    func fold(_ p: UnsafePointer<T>, count: Int, stride: Int, start _: Int) -> Partial {
        guard count > 0 else { return (-.infinity, 0) }
        if T.self == Float.self && stride == 1 {
            let (m, s) = LogSumExpKernels.row(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), count: count)
            return (unsafeBitCast(m, to: T.self), unsafeBitCast(s, to: T.self))
        }
        // NaN is skipped here; it reaches the sum through exp and makes it NaN.
        func maximum(stride s: Int) -> T {
            var m0 = p[0], m1 = m0, m2 = m0, m3 = m0
            var i = 0
            while i &+ 4 <= count {
                let v0 = p[i &* s], v1 = p[(i &+ 1) &* s], v2 = p[(i &+ 2) &* s], v3 = p[(i &+ 3) &* s]
                m0 = v0 > m0 ? v0 : m0
                m1 = v1 > m1 ? v1 : m1
                m2 = v2 > m2 ? v2 : m2
                m3 = v3 > m3 ? v3 : m3
                i &+= 4
            }
            while i < count { m0 = p[i &* s] > m0 ? p[i &* s] : m0; i &+= 1 }
            return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
        }
        let m = stride == 1 ? maximum(stride: 1) : maximum(stride: stride)
        let c = Self.shift(m)
        return (m, T(ReductionKernels.sum(p, count: count, stride: stride) { FastMath.exp($0 - c) }))
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

    func fold(_ p: UnsafePointer<T>, count: Int, stride: Int, start _: Int) -> Partial {
        guard count > 0 else { return (0, 0, 0) }
        let mean = ReductionKernels.sum(p, count: count, stride: stride) { $0 } / Double(count)
        let c = T(mean)
        // Deviations from the rounded mean, corrected by their own sum (the corrected two-pass algorithm).
        let first = ReductionKernels.sum(p, count: count, stride: stride) { $0 - c }
        let second = ReductionKernels.sum(p, count: count, stride: stride) { ($0 - c) * ($0 - c) }
        return (count, Double(c) + first / Double(count), second - first * first / Double(count))
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

extension ReductionKernels {
    /// `Σ f(p[i · stride])` in blocks whose four vectorisable partial sums add up
    /// in Double: float32 reductions of millions of elements stay accurate.
    @inline(__always)
    static func sum<T: TensorScalar>(_ p: UnsafePointer<T>, count n: Int, stride: Int, _ f: (T) -> T) -> Double {
        stride == 1 ? blockedSum(p, count: n, stride: 1, f) : blockedSum(p, count: n, stride: stride, f)
    }

    @inline(__always)
    private static func blockedSum<T: TensorScalar>(_ p: UnsafePointer<T>, count n: Int, stride s: Int, _ f: (T) -> T) -> Double {
        let block = 4096
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(start &+ block, n)
            var a0 = T.zero, a1 = T.zero, a2 = T.zero, a3 = T.zero
            var i = start
            while i &+ 4 <= end {
                a0 += f(p[i &* s]); a1 += f(p[(i &+ 1) &* s]); a2 += f(p[(i &+ 2) &* s]); a3 += f(p[(i &+ 3) &* s])
                i &+= 4
            }
            while i < end { a0 += f(p[i &* s]); i &+= 1 }
            total += Double((a0 + a1) + (a2 + a3))
            start = end
        }
        return total
    }
}
