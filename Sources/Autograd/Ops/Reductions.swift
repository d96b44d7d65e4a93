/// sum and mean, and what every reduction shares: reduced dims and shapes, and
/// rules derived from a partial derivative.
extension OpHandle {
    static let sum = OpHandle("sum")
    static let mean = OpHandle("mean")
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

    /// The dims of an optional `dim` attribute: that dim, or all of them when absent.
    static func optionalDim(_ attributes: Attributes, rank: Int, context: ShapeContext? = nil) throws -> Set<Int> {
        guard let dim = attributes.optionalInt("dim") else { return Set(0..<rank) }
        return Set(try resolvedDims([dim], rank: rank, context: context, attribute: "dim"))
    }

    /// `shape` with the reduced `dims` kept as size 1: a reduction's output as `keepdim` gives it.
    static func keptShape(_ shape: [Int], dims: Set<Int>) -> [Int] {
        shape.indices.map { dims.contains($0) ? 1 : shape[$0] }
    }

    /// The backward and forward rules of a reduction, from its elementwise partial
    /// derivative ∂out/∂x (of x's shape; a bool mask for a selection): the gradient
    /// is g · ∂ with g broadcast back over the reduced dims, the tangent Σ t · ∂ over
    /// them. Written with ops, so both differentiate again.
    ///
    /// - Parameters:
    ///   - dims: the reduced dims, from the attributes and x's rank.
    ///   - output: the differentiable output (the others, indices, are not).
    ///   - partial: the elementwise partial derivative ∂out/∂x.
    static func reductionRules(
        dims: @escaping @Sendable (Attributes, Int) throws -> Set<Int>, output: Int = 0,
        partial: @escaping @Sendable (ReductionPartialContext) throws -> Tensor
    ) -> (jvp: ForwardMode, backward: BackwardRule) {
        let backward: BackwardRule = { ctx in
            let shape = ctx.inputShapes[0], reduced = try dims(ctx.attributes, shape.count)
            let kept = keptShape(shape, dims: reduced)
            let outputs = ctx.node.outputs.indices.map { ctx.output($0).reshaped(kept) }
            let d = try partial(ReductionPartialContext(inputs: ctx.inputs, inputShape: shape, outputs: outputs,
                                                        dims: reduced.sorted(), attributes: ctx.attributes))
            let g = ctx.gradOutput(output).reshaped(kept)
            return [d.dtype == .bool ? which(d, g, 0) : g * d]
        }
        let jvp: ForwardMode = .rule { ctx in
            let x = ctx.inputs[0], reduced = try dims(ctx.attributes, x.rank)
            let kept = keptShape(x.shape, dims: reduced)
            let outputs = ctx.outputs.map { $0.reshaped(kept) }
            let d = try partial(ReductionPartialContext(inputs: ctx.inputs, inputShape: x.shape, outputs: outputs,
                                                        dims: reduced.sorted(), attributes: ctx.attributes))
            let t = ctx.tangent(0)
            let terms = d.dtype == .bool ? which(d, t, 0) : t * d
            let tangent = terms.sum(dims: reduced.sorted(), keepdim: true).reshaped(ctx.outputs[output].shape)
            return ctx.outputs.indices.map { $0 == output ? tangent : nil }
        }
        return (jvp, backward)
    }
}

/// What a reduction's partial derivative reads.
struct ReductionPartialContext {
    /// The inputs (as the op saved them, when read from a backward rule).
    let inputs: OpInputs
    let inputShape: [Int]
    /// Every output, with the reduced dims kept as size 1 so it broadcasts against x.
    let outputs: [Tensor]
    /// The reduced dims, ascending.
    let dims: [Int]
    let attributes: Attributes

    /// The number of elements each result reduces.
    var reducedCount: Int { dims.reduce(1) { $0 * inputShape[$1] } }
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
}
