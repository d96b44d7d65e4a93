/// where, index_select, index_add: choosing and placing elements by mask or index.
extension BuiltinOps {
    static let selection: [OpDefinition] = [
        OpDefinition(name: "where", inputs: [.mask("condition"), "a", "b"], elementwise: true,
                     forward: .anyDType(WhereKernel.self), saves: [.inputs], jvp: .linear) { ctx in
            let (condition, g) = (ctx.inputs[0], ctx.gradOutput)
            let zero = g.scalar(0)
            return [nil, ctx.needsInputGrad[1] ? which(condition, g, zero) : nil,
                    ctx.needsInputGrad[2] ? which(condition, zero, g) : nil]
        },
        OpDefinition(name: "index_select", inputs: ["x", .indices("index")], attributes: [AttributeSpec("dim", .int)],
                     outputShape: indexSelectShape, forward: .anyDType(IndexSelectKernel.self), saves: [.inputs],
                     jvp: .linear) { ctx in
            let dim = ctx.attributes.int("dim")
            let zeros = Tensor.zeros(ctx.inputShapes[0], dtype: ctx.gradOutput.dtype)
            return [zeros.indexAdd(dim: dim, index: ctx.inputs[1], source: ctx.gradOutput), nil]
        },
        OpDefinition(name: "index_add", inputs: ["x", .indices("index"), "source"],
                     attributes: [AttributeSpec("dim", .int), AttributeSpec("alpha", .double, default: 1.0)],
                     outputShape: indexAddShape, forward: .numeric(IndexAddKernel.self), saves: [.inputs],
                     jvp: .linear) { ctx in
            let (dim, alpha, g) = (ctx.attributes.int("dim"), ctx.attributes.double("alpha"), ctx.gradOutput)
            let source = ctx.needsInputGrad[2] ? g.indexSelect(dim: dim, index: ctx.inputs[1]) : nil
            return [g, nil, source.map { alpha == 1 ? $0 : $0 * alpha }]
        },
    ]

    /// x with dim `dim` replaced by the index's length.
    static let indexSelectShape = ShapeRule { ctx in
        let (x, index) = (ctx.shapes[0], ctx.shapes[1])
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        guard index.count <= 1 else { throw ctx.error("a 1-D (or 0-d) index") }
        if x.isEmpty { return [] }
        var shape = x
        shape[dim] = index.first ?? 1
        return shape
    }

    static let indexAddShape = ShapeRule { ctx in
        let (x, index, source) = (ctx.shapes[0], ctx.shapes[1], ctx.shapes[2])
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        var expected = x
        if !x.isEmpty { expected[dim] = index.first ?? 1 }
        guard index.count <= 1, source == expected || (x.isEmpty && source.count <= 1) else {
            throw ctx.error("a 1-D index and source of x's shape with dim \(dim) of the index's length")
        }
        return x
    }

    /// Checks every index of a kernel against `size`, naming the op and the position.
    static func checkedIndices(_ index: Tensor, size: Int, op: String, dim: Int) throws -> [Int] {
        try index.contiguousData().withUnsafeElements(Int64.self) { p in
            try (0..<index.scalarCount).map { i in
                let v = Int(p[i])
                let resolved = v < 0 ? v + size : v
                guard resolved >= 0 && resolved < size else {
                    throw AutogradError(.kernel, "\(op): index \(v) at position \(i) is out of range for dim \(dim) of size \(size)")
                }
                return resolved
            }
        }
    }
}

enum WhereKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        ElementwiseKernels.map(ctx.inputs[0], ctx.inputs[1], ctx.inputs[2], into: try ctx.makeOutput()) { (c: Bool, a: T, b: T) in
            c ? a : b
        }
    }
}

enum IndexSelectKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData(), out = try ctx.makeOutput()
        let dim = x.rank == 0 ? 0 : Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        let (outer, size, inner) = ReductionKernels.split(x.shape, around: dim)
        let indices = try BuiltinOps.checkedIndices(ctx.inputs[1], size: size, op: ctx.op, dim: dim)
        let px = x.pointer(T.self), o = out.pointer(T.self)
        for a in 0..<outer {
            for (j, k) in indices.enumerated() {
                (o + (a &* indices.count &+ j) &* inner).update(from: px + (a &* size &+ k) &* inner, count: inner)
            }
        }
        return out
    }
}

enum IndexAddKernel: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], source = ctx.inputs[2].contiguousData()
        let out = try ctx.makeOutput()
        StridedLoops.copy(from: x, into: out)
        let dim = x.rank == 0 ? 0 : Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        let (outer, size, inner) = ReductionKernels.split(x.shape, around: dim)
        let indices = try BuiltinOps.checkedIndices(ctx.inputs[1], size: size, op: ctx.op, dim: dim)
        let alpha = T(converting: ctx.attributes.double("alpha"))
        let ps = source.pointer(T.self), o = out.pointer(T.self)
        for a in 0..<outer {
            for (j, k) in indices.enumerated() {
                let row = o + (a &* size &+ k) &* inner, from = ps + (a &* indices.count &+ j) &* inner
                for i in 0..<inner { row[i] = T.wrappingAdd(row[i], T.wrappingMultiply(alpha, from[i])) }
            }
        }
        return out
    }
}

extension OpHandle {
    static let `where` = OpHandle("where")
    static let indexSelect = OpHandle("index_select")
    static let indexAdd = OpHandle("index_add")
}

/// Elements of `a` where `condition` is true, else of `b`, broadcasting (`torch.where`;
/// `where` is a Swift keyword, so the name is mlx-swift's).
public func which(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.where, [condition, a, b]) }
/// `which` with a scalar for the false case, in `a`'s dtype.
public func which(_ condition: Tensor, _ a: Tensor, _ b: Double) -> Tensor { which(condition, a, a.scalar(b)) }
/// `which` with a scalar for the true case, in `b`'s dtype.
public func which(_ condition: Tensor, _ a: Double, _ b: Tensor) -> Tensor { which(condition, b.scalar(a), b) }
/// `which` of two scalars, giving a tensor of `dtype`.
public func which(_ condition: Tensor, _ a: Double, _ b: Double, dtype: DType = .float32) -> Tensor {
    which(condition, ScalarConstants.tensor(a, dtype: dtype), ScalarConstants.tensor(b, dtype: dtype))
}

extension Tensor {
    /// The slices of dim `dim` at `index` (int64), in its order (`torch.index_select`).
    public func indexSelect(dim: Int, index: Tensor) -> Tensor {
        dispatch(.indexSelect, [self, index], ["dim": .int(dim)])
    }

    /// A copy of this tensor with `alpha · source`'s slices added at `index` along
    /// `dim` (`torch.index_add`); repeated indices add up.
    public func indexAdd(dim: Int, index: Tensor, source: Tensor, alpha: Double = 1) -> Tensor {
        dispatch(.indexAdd, [self, index, source], ["dim": .int(dim), "alpha": .double(alpha)])
    }

    /// Calls `body` with the elements of this contiguous tensor.
    func withUnsafeElements<T: TensorElement, R>(_: T.Type, _ body: (UnsafePointer<T>) throws -> R) rethrows -> R {
        try body(pointer(T.self))
    }
}
