/// max and min along a dim (values and int64 indices), max_reduce and min_reduce
/// (the values only), argmax and argmin (int64), amax and amin (over several dims).
/// Ties: max/min report and differentiate the first occurrence, as PyTorch on the
/// CPU; amax/amin share the gradient evenly among tied elements. NaN wins.
extension OpHandle {
    static let max = OpHandle("max")
    static let min = OpHandle("min")
    static let argmax = OpHandle("argmax")
    static let argmin = OpHandle("argmin")
    static let amax = OpHandle("amax")
    static let amin = OpHandle("amin")
}

extension BuiltinOps {
    static let alongDimAttributes = [AttributeSpec("dim", .int), AttributeSpec("keepdim", .bool, default: false)]

    static let extremeReductions: [OpDefinition] = [
        extremumAlongDim("max", Greatest.self), extremumAlongDim("min", Least.self),
        valuesAlongDim("max_reduce", of: .max), valuesAlongDim("min_reduce", of: .min),
        position("argmax", Greatest.self), position("argmin", Least.self),
        extremumOverDims("amax", Greatest.self, reference: "-amin(-x, dims=dims, keepdim=keepdim)"),
        extremumOverDims("amin", Least.self, reference: "-amax(-x, dims=dims, keepdim=keepdim)"),
    ]

    /// `max`/`min`: the values and the index of each one's first occurrence along `dim`.
    private static func extremumAlongDim<Order: ExtremumOrder>(_ name: String, _: Order.Type) -> OpDefinition {
        // The gradient goes to the reported position only: a mask of x's shape from the indices.
        let rules = reductionRules(dims: { attributes, rank in
            Set(try resolvedDims([attributes.int("dim")], rank: rank, attribute: "dim"))
        }) { ctx in
            guard let dim = ctx.dims.first else { return Tensor.ones(ctx.inputShape, dtype: .bool) }
            var along = ctx.inputShape.map { _ in 1 }
            along[dim] = ctx.inputShape[dim]
            return Tensor.arange(ctx.inputShape[dim]).reshaped(along) .== ctx.outputs[1]
        }
        return OpDefinition(name: name, inputs: ["x"], attributes: alongDimAttributes,
                            outputs: ["values", .indices("indices")],
                            outputShape: ShapeRule.outputs { ctx in
                                let shape = try extremumShape(ctx)
                                return [shape, shape]
                            },
                            forward: .numericOutputs(ExtremumAlongDimKernel<Order>.self), saves: .output,
                            jvp: rules.jvp, backward: rules.backward)
    }

    /// `max_reduce`/`min_reduce`: the values of `max`/`min`, whose node they keep.
    private static func valuesAlongDim(_ name: String, of op: OpHandle) -> OpDefinition {
        OpDefinition(name: name, inputs: ["x"], attributes: alongDimAttributes, outputShape: ShapeRule(extremumShape),
                     forward: .decomposition(dtypes: [.float32, .float64, .int64]) { ctx in
                         try op.op().callOutputs([ctx.inputs[0]], attributes: ctx.attributes.dictionary)[0]
                     })
    }

    /// `argmax`/`argmin`: the index of the first extremum along `dim`, or in the
    /// flattened tensor when `dim` is absent. Not differentiable.
    private static func position<Order: ExtremumOrder>(_ name: String, _: Order.Type) -> OpDefinition {
        OpDefinition(name: name, inputs: ["x"],
                     attributes: [AttributeSpec("dim", .int, default: nil), AttributeSpec("keepdim", .bool, default: false)],
                     outputs: [.indices("indices")],
                     outputShape: ShapeRule { ctx in
                         guard ctx.attributes.optionalInt("dim") != nil else {
                             guard Shape.count(ctx.shapes[0]) > 0 else {
                                 throw ctx.error("a non-empty tensor (or a dim), as the flattened tensor has no \(name)")
                             }
                             return ctx.attributes.bool("keepdim") ? ctx.shapes[0].map { _ in 1 } : []
                         }
                         return try extremumShape(ctx)
                     },
                     forward: .numeric(PositionKernel<Order>.self))
    }

    /// `amax`/`amin`: the extremum over `dims` (all when absent); tied elements
    /// share the gradient evenly.
    private static func extremumOverDims<Order: ExtremumOrder>(_ name: String, _: Order.Type, reference: String) -> OpDefinition {
        let rules = reductionRules(dims: { try reducedDims($0, rank: $1) }) { ctx in
            let mask = (ctx.inputs[0] .== ctx.outputs[0]).converted(to: ctx.outputs[0].dtype)
            return mask / mask.sum(dims: ctx.dims, keepdim: true)
        }
        return OpDefinition(name: name, inputs: ["x"], attributes: reductionAttributes,
                            outputShape: ShapeRule { ctx in
                                let dims = try reducedDims(ctx.attributes, rank: ctx.shapes[0].count, context: ctx)
                                if let empty = dims.sorted().first(where: { ctx.shapes[0][$0] == 0 }) {
                                    throw ctx.error("non-empty dims to reduce (\(name) of nothing is undefined), got dim \(empty) of size 0")
                                }
                                return try reducedShape.compute(ctx)[0]
                            },
                            forward: .numeric(ExtremumOverDimsKernel<Order>.self), saves: [.inputs, .output],
                            reference: reference, jvp: rules.jvp, backward: rules.backward)
    }

    /// The shape of a reduction along the one dim `dim`, which must not be empty.
    static func extremumShape(_ ctx: ShapeContext) throws -> [Int] {
        let shape = ctx.shapes[0]
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        if shape.isEmpty { return [] }
        guard shape[dim] > 0 else { throw ctx.error("a non-empty dim \(dim) to reduce, got size 0") }
        var out = shape
        if ctx.attributes.bool("keepdim") { out[dim] = 1 } else { out.remove(at: dim) }
        return out
    }
}

enum ExtremumAlongDimKernel<Order: ExtremumOrder>: NumericMultiOutputKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> [Tensor] {
        let x = ctx.inputs[0], values = try ctx.makeOutput(0), indices = try ctx.makeOutput(1)
        let dims = try BuiltinOps.resolvedDims([ctx.attributes.int("dim")], rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: Set(dims)),
                                ExtremumReduction<T, Order>(values: values.pointer(T.self), positions: indices.pointer(Int64.self)))
        return [values, indices]
    }
}

enum PositionKernel<Order: ExtremumOrder>: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.optionalDim(ctx.attributes, rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: dims),
                                ExtremumReduction<T, Order>(values: nil, positions: out.pointer(Int64.self)))
        return out
    }
}

enum ExtremumOverDimsKernel<Order: ExtremumOrder>: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.reducedDims(ctx.attributes, rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: dims), ExtremumReduction<T, Order>(values: out.pointer(T.self), positions: nil))
        return out
    }
}

extension Tensor {
    /// The maximum along `dim` and the index of its first occurrence (`torch.max(x, dim)`);
    /// NaN counts as the maximum. The gradient flows to that index only. `keepdim`
    /// keeps `dim` with size 1.
    ///
    /// ```swift
    /// let (values, indices) = Tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim: 1)   // [5, 7], [1, 0]
    /// ```
    public func max(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let outputs = dispatchOutputs(.max, [self], ["dim": .int(dim), "keepdim": .bool(keepdim)])
        return (outputs[0], outputs[1])
    }

    /// The minimum along `dim` and the index of its first occurrence (`torch.min(x, dim)`);
    /// see `max(dim:keepdim:)`.
    public func min(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        let outputs = dispatchOutputs(.min, [self], ["dim": .int(dim), "keepdim": .bool(keepdim)])
        return (outputs[0], outputs[1])
    }

    /// The largest element, a 0-d tensor (`torch.max(x)`); tied maxima share the gradient.
    public func max() -> Tensor { amax() }

    /// The smallest element, a 0-d tensor (`torch.min(x)`); tied minima share the gradient.
    public func min() -> Tensor { amin() }

    /// The index (int64) of the first maximum along `dim`, or in the flattened
    /// tensor when `dim` is nil (`torch.argmax`).
    public func argmax(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.argmax, [self], ["dim": dim.map(AttributeValue.int) ?? nil, "keepdim": .bool(keepdim)])
    }

    /// The index (int64) of the first minimum along `dim`, or in the flattened
    /// tensor when `dim` is nil (`torch.argmin`).
    public func argmin(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.argmin, [self], ["dim": dim.map(AttributeValue.int) ?? nil, "keepdim": .bool(keepdim)])
    }

    /// The maximum over `dims` (all when nil), `torch.amax`; tied maxima share the gradient evenly.
    public func amax(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.amax, [self], ["dims": dims.map(AttributeValue.ints) ?? nil, "keepdim": .bool(keepdim)])
    }

    /// The minimum over `dims` (all when nil), `torch.amin`; tied minima share the gradient evenly.
    public func amin(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.amin, [self], ["dims": dims.map(AttributeValue.ints) ?? nil, "keepdim": .bool(keepdim)])
    }
}

/// The index of the first maximum of `x` along `dim` (see `Tensor.argmax(dim:keepdim:)`).
public func argmax(_ x: Tensor, dim: Int? = nil, keepdim: Bool = false) -> Tensor { x.argmax(dim: dim, keepdim: keepdim) }

/// The index of the first minimum of `x` along `dim` (see `Tensor.argmin(dim:keepdim:)`).
public func argmin(_ x: Tensor, dim: Int? = nil, keepdim: Bool = false) -> Tensor { x.argmin(dim: dim, keepdim: keepdim) }
