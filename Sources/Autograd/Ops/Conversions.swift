/// to (dtype conversion), clone, fill, copy and sum_to_size: the ops behind
/// `converted(to:)`, in-place updates and the engine's bookkeeping.
extension BuiltinOps {
    static let cloneDefinition: OpDefinition = OpDefinition(
        name: "clone", inputs: ["x"], forward: .anyDType(CloneKernel.self), saves: [], reference: "x", jvp: .linear
    ) { ctx in [ctx.gradOutput] }

    /// Sums a gradient that was broadcast back to the shape `size` it was broadcast from.
    static let sumToSizeDefinition: OpDefinition = OpDefinition(
        name: "sum_to_size", inputs: ["x"], attributes: [AttributeSpec("size", .ints)],
        outputShape: ShapeRule { ctx in
            let size = ctx.attributes.ints("size")!
            guard Shape.broadcast(size, ctx.shapes[0]) == ctx.shapes[0] else {
                throw ctx.error("a shape that broadcasts to the input's, got size \(Shape.describe(size))")
            }
            return size
        },
        forward: .numeric(SumToSizeKernel.self), saves: [], jvp: .linear
    ) { ctx in [ctx.gradOutput.expanded(to: ctx.inputShapes[0])] }

    static let toDefinition: OpDefinition = OpDefinition(
        name: "to", inputs: [OpInput("x", dtypes: .any)],
        attributes: [AttributeSpec("dtype", .string(allowed: DType.allCases.map(\.rawValue)))],
        outputs: [OpOutput("output", dtype: .attribute("dtype"))],
        forward: .anyDType(CloneKernel.self), saves: [], gradFnName: "ToCopyBackward0", jvp: .linear
    ) { ctx in [try ctx.gradOutput.convertedOrThrow(to: ctx.node.inputs[0].dtype!)] }

    static let conversions: [OpDefinition] = [
        cloneDefinition, sumToSizeDefinition, toDefinition,
        OpDefinition(name: "fill", inputs: ["x"], attributes: [AttributeSpec("value", .double)],
                     forward: .anyDType(FillKernel.self), saves: [],
                     jvp: .rule { ctx in [Tensor.zeros(like: ctx.output)] }) { ctx in
            [Tensor.zeros(like: ctx.gradOutput)]
        },
        OpDefinition(name: "copy", inputs: [OpInput("x", dtypes: .any), OpInput("src", dtypes: .any)],
                     outputs: [OpOutput("output", dtype: .ofInput(0))],
                     outputShape: ShapeRule { ctx in
                         guard Shape.broadcast(ctx.shapes[1], ctx.shapes[0]) == ctx.shapes[0] else {
                             throw ctx.error("src that broadcasts to x's shape")
                         }
                         return ctx.shapes[0]
                     },
                     forward: .anyDType(CopyKernel.self), saves: [], gradFnName: "CopyBackwards",
                     jvp: .rule { ctx in
                         [try ctx.tangent(1).convertedOrThrow(to: ctx.output.dtype).expanded(to: ctx.output.shape).contiguous()]
                     }) { ctx in
            let g = ctx.gradOutput
            let src = ctx.node.inputs[1]
            return [
                ctx.needsInputGrad[0] ? Tensor.zeros(like: g) : nil,
                ctx.needsInputGrad[1] ? try g.summed(toShape: src.shape).convertedOrThrow(to: src.dtype!) : nil,
            ]
        },
    ]
}

/// A contiguous copy, converted to the output's dtype.
enum CloneKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        StridedLoops.copy(from: ctx.inputs[0], into: out)
        return out
    }
}

enum FillKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        StridedLoops.fill(out, with: ctx.attributes.double("value"))
        return out
    }
}

/// `src` broadcast to x's shape, in x's dtype.
enum CopyKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        let src = ctx.inputs[1]
        StridedLoops.copy(from: src.broadcastView(to: out.shape), into: out)
        return out
    }
}

enum SumToSizeKernel: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], size = ctx.outputShape
        let lead = x.rank - size.count
        var dims = Set(0..<lead)
        for i in size.indices where size[i] == 1 && x.shape[lead + i] != 1 { dims.insert(lead + i) }
        let out = try ctx.makeOutput()
        ReductionKernels.sum(x, dims: dims, into: out, as: T.self)
        return out
    }
}

extension OpHandle {
    static let to = OpHandle("to")
    static let clone = OpHandle("clone")
    static let fill = OpHandle("fill")
    static let copy = OpHandle("copy")
}

extension Tensor {
    /// This tensor's values in `dtype`: itself when it already is, else a converted
    /// copy. Differentiable between floating-point dtypes (the gradient converts back),
    /// as PyTorch's `x.to(dtype)`.
    ///
    /// - Precondition: the copy can be allocated.
    public func converted(to dtype: DType) -> Tensor { trapOnError { try convertedOrThrow(to: dtype) } }

    /// `converted(to:)`, throwing instead of trapping.
    func convertedOrThrow(to dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        return try EngineOps.convert.call([self], attributes: ["dtype": .string(dtype.rawValue)])
    }

    /// A contiguous copy with its own storage that differentiates as the identity (`torch.clone`).
    public func cloned() -> Tensor { dispatch(.clone, [self]) }
}
