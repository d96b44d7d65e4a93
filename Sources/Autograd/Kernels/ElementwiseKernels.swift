/// A scalar function of one argument that elementwise kernels are specialised on.
protocol UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T
}

/// A scalar function of two arguments that elementwise kernels are specialised on.
protocol BinaryFunction {
    static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T
}

/// Elementwise loops over contiguous buffers, with stride-0 (broadcast) and
/// general strided fallbacks. Generic over the scalar type and the function, so
/// each op gets its own specialised loop with no per-element dynamic dispatch.
enum ElementwiseKernels {
    /// Forward kernels for both dtypes from a scalar function.
    static func unary<F: UnaryFunction>(_: F.Type) -> [DType: Kernel] {
        [
            .float32: { ctx in map(ctx.inputs[0], into: ctx.makeOutput()) { (x: Float) in F.apply(x) } },
            .float64: { ctx in map(ctx.inputs[0], into: ctx.makeOutput()) { (x: Double) in F.apply(x) } },
        ]
    }

    /// Forward kernels for both dtypes from a scalar function of two arguments.
    static func binary<F: BinaryFunction>(_: F.Type) -> [DType: Kernel] {
        [
            .float32: { ctx in map(ctx.inputs[0], ctx.inputs[1], into: ctx.makeOutput()) { (a: Float, b: Float) in F.apply(a, b) } },
            .float64: { ctx in map(ctx.inputs[0], ctx.inputs[1], into: ctx.makeOutput()) { (a: Double, b: Double) in F.apply(a, b) } },
        ]
    }

    /// `out[i] = f(x[i])`; `out` is contiguous and has x's shape.
    @inline(__always)
    static func map<T: TensorScalar>(_ x: Tensor, into out: Tensor, _ f: (T) -> T) -> Tensor {
        let source = x.contiguousData()
        let p = source.pointer(T.self), o = out.pointer(T.self)
        for i in 0..<out.scalarCount { o[i] = f(p[i]) }
        return out
    }

    /// `out[i] = f(a[i], b[i])`; a and b have out's shape, possibly as broadcast views.
    @inline(__always)
    static func map<T: TensorScalar>(_ a: Tensor, _ b: Tensor, into out: Tensor, _ f: (T, T) -> T) -> Tensor {
        let n = out.scalarCount
        let pa = a.pointer(T.self), pb = b.pointer(T.self), o = out.pointer(T.self)
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
        switch dtype {
        case .float32: StridedLoops.copy(from: self, into: out, as: Float.self)
        case .float64: StridedLoops.copy(from: self, into: out, as: Double.self)
        }
        return out
    }
}
