/// sum, mean, max_reduce.
extension OpHandle {
    static let sum = OpHandle("sum")
    static let mean = OpHandle("mean")
    static let maxReduce = OpHandle("max_reduce")
    static let maxMask = OpHandle("max_mask")
}

extension BuiltinOps {
    static let reductionAttributes = [AttributeSpec("dims", .ints, default: nil), AttributeSpec("keepdim", .bool, default: false)]

    static let reductions: [OpDefinition] = [
        OpDefinition(name: "sum", inputs: ["x"], attributes: reductionAttributes, outputShape: reducedShape,
                     forward: .numeric(SumKernel.self), saves: [], jvp: .linear) { ctx in
            [ctx.gradOutput.expandedBack(toShape: ctx.inputShapes[0], attributes: ctx.attributes)]
        },
        OpDefinition(name: "mean", inputs: ["x"], attributes: reductionAttributes, outputShape: reducedShape,
                     forward: .floating(MeanKernel.self), saves: [], jvp: .linear) { ctx in
            let shape = ctx.inputShapes[0]
            let count = Shape.count(shape) / Swift.max(Shape.count(ctx.gradOutput.shape), 1)
            return [ctx.gradOutput.expandedBack(toShape: shape, attributes: ctx.attributes) / Double(count)]
        },
        OpDefinition(name: "max_reduce", inputs: ["x"],
                     attributes: [AttributeSpec("dim", .int), AttributeSpec("keepdim", .bool, default: false)],
                     outputShape: maxShape, forward: .numeric(MaxAlongKernel.self), gradFnName: "MaxBackward0",
                     jvp: .rule { ctx in
                         let x = ctx.inputs[0], dim = ctx.attributes.int("dim")
                         let mask = dispatch(.maxMask, [x], ["dim": .int(dim)])
                         return [(ctx.tangent(0) * mask).sum(dims: [dim], keepdim: ctx.attributes.bool("keepdim"))]
                     }) { ctx in
            // The gradient goes to the first maximum's position only.
            let x = ctx.inputs[0], dim = ctx.attributes.int("dim")
            let mask = dispatch(.maxMask, [x], ["dim": .int(dim)])
            let attrs = Attributes(["dims": .ints([dim]), "keepdim": ctx.attributes["keepdim"]])
            return [ctx.gradOutput.expandedBack(toShape: x.shape, attributes: attrs) * mask]
        },
    ]

    /// The reduced dims of a `dims` attribute, resolved against `rank`.
    static func reducedDims(_ attributes: Attributes, rank: Int, context: ShapeContext? = nil) throws -> Set<Int> {
        guard let dims = attributes.ints("dims") else { return Set(0..<rank) }
        var resolved = Set<Int>()
        for d in dims {
            guard let n = Shape.normalize(dim: d, rank: rank) else {
                throw context?.error("dims in [\(-Swift.max(rank, 1)), \(Swift.max(rank, 1) - 1)], got \(d)")
                    ?? AutogradError(.shape, "dim \(d) out of range for rank \(rank)")
            }
            guard resolved.insert(n).inserted else {
                throw context?.error("each dim at most once in dims, got \(dims)")
                    ?? AutogradError(.shape, "dim \(d) repeated")
            }
        }
        return rank == 0 ? [] : resolved
    }

    static let reducedShape = ShapeRule { ctx in
        let shape = ctx.shapes[0]
        let dims = try reducedDims(ctx.attributes, rank: shape.count, context: ctx)
        let keep = ctx.attributes.bool("keepdim")
        return shape.indices.compactMap { dims.contains($0) ? (keep ? 1 : nil) : shape[$0] }
    }

    static let maxShape = ShapeRule { ctx in
        let shape = ctx.shapes[0]
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        if shape.isEmpty { return [] }
        guard shape[dim] > 0 else { throw ctx.error("a non-empty dim \(dim) to take the maximum over") }
        var out = shape
        if ctx.attributes.bool("keepdim") { out[dim] = 1 } else { out.remove(at: dim) }
        return out
    }

}

enum SumKernel: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.reducedDims(ctx.attributes, rank: x.rank)
        ReductionKernels.sum(x, dims: dims, into: out, as: T.self)
        return out
    }
}

enum MeanKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.reducedDims(ctx.attributes, rank: x.rank)
        ReductionKernels.sum(x, dims: dims, into: out, as: T.self)
        // An empty reduction gives NaN (0 / 0), as in PyTorch.
        let count = T(Shape.count(x.shape) / Swift.max(out.scalarCount, 1))
        let o = out.pointer(T.self)
        for i in 0..<out.scalarCount { o[i] /= count }
        return out
    }
}

enum MaxAlongKernel: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        ReductionKernels.extreme(x, dim: x.rank == 0 ? 0 : dim, largest: true, values: out.pointer(T.self), indices: nil,
                                 as: T.self)
        return out
    }
}

extension Tensor {
    /// The gradient of a reduction, broadcast back over the reduced dims of `shape`.
    func expandedBack(toShape shape: [Int], attributes: Attributes) -> Tensor {
        var g = self
        if !attributes.bool("keepdim"), let dims = try? BuiltinOps.reducedDims(attributes, rank: shape.count) {
            let kept = shape.indices.map { dims.contains($0) ? 1 : shape[$0] }
            g = g.reshaped(kept)
        }
        return g.expanded(to: shape)
    }

    /// The sum of all elements: a 0-d tensor.
    public func sum() -> Tensor { dispatch(.sum, [self]) }

    /// The sum over `dims` (negative dims count from the end); `keepdim` keeps them with size 1.
    public func sum(dims: [Int], keepdim: Bool = false) -> Tensor {
        dispatch(.sum, [self], ["dims": .ints(dims), "keepdim": .bool(keepdim)])
    }

    /// The mean of all elements: a 0-d tensor.
    public func mean() -> Tensor { dispatch(.mean, [self]) }

    /// The mean over `dims`; `keepdim` keeps them with size 1.
    public func mean(dims: [Int], keepdim: Bool = false) -> Tensor {
        dispatch(.mean, [self], ["dims": .ints(dims), "keepdim": .bool(keepdim)])
    }

    /// The maximum along `dim` (the values of `torch.max(x, dim)`; `max(dim:)` also gives the indices).
    public func maxValues(dim: Int, keepdim: Bool = false) -> Tensor {
        dispatch(.maxReduce, [self], ["dim": .int(dim), "keepdim": .bool(keepdim)])
    }
}
