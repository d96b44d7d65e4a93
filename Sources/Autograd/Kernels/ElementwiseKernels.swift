/// A scalar function of one floating-point argument that elementwise kernels are specialised on.
protocol UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T
}

/// A scalar function of two floating-point arguments.
protocol BinaryFunction {
    static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T
}

/// A scalar function of one argument defined for integers too (`neg`, `abs`, `sign`).
protocol NumericUnaryFunction {
    static func apply<T: TensorNumeric>(_ x: T) -> T
}

/// A scalar function of two arguments defined for integers too (`add`, `maximum`).
protocol NumericBinaryFunction {
    static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> T
}

/// A comparison of two values, giving a bool (`lt`, `eq`).
protocol ComparisonFunction {
    static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool
}

/// Elementwise loops over contiguous buffers, with stride-0 (broadcast) and
/// general strided fallbacks. Generic over the element types and the function,
/// so each op gets its own specialised loop with no per-element dynamic dispatch.
enum ElementwiseKernels {
    /// float32 and float64 kernels from a scalar function.
    static func unary<F: UnaryFunction>(_: F.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { ctx in map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: Float) in F.apply(x) } },
            .float64: .single { ctx in map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: Double) in F.apply(x) } },
        ])
    }

    /// float32 and float64 kernels from a scalar function of two arguments.
    static func binary<F: BinaryFunction>(_: F.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Float, b: Float) in F.apply(a, b) } },
            .float64: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Double, b: Double) in F.apply(a, b) } },
        ])
    }

    /// float32, float64 and int64 kernels from a scalar function.
    static func numericUnary<F: NumericUnaryFunction>(_: F.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { ctx in map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: Float) in F.apply(x) } },
            .float64: .single { ctx in map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: Double) in F.apply(x) } },
            .int64: .single { ctx in map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: Int64) in F.apply(x) } },
        ])
    }

    /// float32, float64 and int64 kernels from a scalar function of two arguments.
    static func numericBinary<F: NumericBinaryFunction>(_: F.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Float, b: Float) in F.apply(a, b) } },
            .float64: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Double, b: Double) in F.apply(a, b) } },
            .int64: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Int64, b: Int64) in F.apply(a, b) } },
        ])
    }

    /// Kernels comparing in float32, float64 or int64 (bool inputs compare as int64), giving bool.
    static func comparison<F: ComparisonFunction>(_: F.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Float, b: Float) in F.apply(a, b) } },
            .float64: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Double, b: Double) in F.apply(a, b) } },
            .int64: .single { ctx in map(ctx.inputs[0], ctx.inputs[1], into: try ctx.makeOutput()) { (a: Int64, b: Int64) in F.apply(a, b) } },
        ])
    }

    /// `out[i] = f(x[i])`; `out` is contiguous and has x's shape.
    @inline(__always)
    static func map<A: TensorElement, R: TensorElement>(_ x: Tensor, into out: Tensor, _ f: (A) -> R) -> Tensor {
        let o = out.pointer(R.self)
        if x.isContiguous {
            let p = x.pointer(A.self)
            for i in 0..<out.scalarCount { o[i] = f(p[i]) }
        } else if x.isBroadcastScalar {
            let v = f(x.pointer(A.self).pointee)
            o.update(repeating: v, count: out.scalarCount)
        } else {
            StridedLoops.map(x, out, f)
        }
        return out
    }

    /// `out[i] = f(a[i], b[i])`; a and b have out's shape, possibly as broadcast views.
    @inline(__always)
    static func map<A: TensorElement, R: TensorElement>(
        _ a: Tensor, _ b: Tensor, into out: Tensor, _ f: (A, A) -> R
    ) -> Tensor {
        let n = out.scalarCount
        let pa = a.pointer(A.self), pb = b.pointer(A.self), o = out.pointer(R.self)
        let aContiguous = a.isContiguous, bContiguous = b.isContiguous
        if aContiguous && bContiguous {
            for i in 0..<n { o[i] = f(pa[i], pb[i]) }
        } else if aContiguous && b.isBroadcastScalar {
            let s = pb.pointee
            for i in 0..<n { o[i] = f(pa[i], s) }
        } else if bContiguous && a.isBroadcastScalar {
            let s = pa.pointee
            for i in 0..<n { o[i] = f(s, pb[i]) }
        } else {
            let sa = a.strides.last ?? 0, sb = b.strides.last ?? 0, so = out.strides.last ?? 0
            StridedLoops.forEachRow(shape: out.shape, strides: [a.strides, b.strides, out.strides]) { offsets, count in
                let ra = pa + offsets[0], rb = pb + offsets[1], ro = o + offsets[2]
                for i in 0..<count { ro[i &* so] = f(ra[i &* sa], rb[i &* sb]) }
            }
        }
        return out
    }

    /// `out[i] = f(a[i], b[i], c[i])`, the three inputs broadcast to out's shape.
    @inline(__always)
    static func map<A: TensorElement, B: TensorElement, C: TensorElement, R: TensorElement>(
        _ a: Tensor, _ b: Tensor, _ c: Tensor, into out: Tensor, _ f: (A, B, C) -> R
    ) -> Tensor {
        let pa = a.pointer(A.self), pb = b.pointer(B.self), pc = c.pointer(C.self), o = out.pointer(R.self)
        if a.isContiguous && b.isContiguous && c.isContiguous {
            for i in 0..<out.scalarCount { o[i] = f(pa[i], pb[i], pc[i]) }
            return out
        }
        let sa = a.strides.last ?? 0, sb = b.strides.last ?? 0, sc = c.strides.last ?? 0, so = out.strides.last ?? 0
        StridedLoops.forEachRow(shape: out.shape, strides: [a.strides, b.strides, c.strides, out.strides]) { offsets, count in
            let ra = pa + offsets[0], rb = pb + offsets[1], rc = pc + offsets[2], ro = o + offsets[3]
            for i in 0..<count { ro[i &* so] = f(ra[i &* sa], rb[i &* sb], rc[i &* sc]) }
        }
        return out
    }
}

extension Tensor {
    /// Every element reads the same memory location: a scalar broadcast to a shape.
    var isBroadcastScalar: Bool { strides.allSatisfy { $0 == 0 } }

    /// A view that reads this tensor as `shape` (stretched dims get stride 0), without recording.
    func broadcastView(to target: [Int]) -> Tensor {
        Tensor(storage: storage, shape: target,
               strides: Shape.broadcastStrides(shape: shape, strides: strides, to: target),
               offset: offset, dtype: dtype)
    }

    /// A contiguous copy with its own storage, without recording.
    func clonedData() -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        StridedLoops.copy(from: self, into: out)
        return out
    }
}
