/// transpose, reshape, expand, contiguous: views and layout.
extension BuiltinOps {
    static let shapeOps: [OpDefinition] = [
        OpDefinition(name: "transpose", inputs: ["x"], attributes: [AttributeSpec("dim0", .int), AttributeSpec("dim1", .int)],
                     outputShape: transposedShape, forward: .composite(transposeView), saves: []) { ctx in
            [ctx.gradOutput.transposed(ctx.attributes.int("dim0"), ctx.attributes.int("dim1"))]
        },
        OpDefinition(name: "reshape", inputs: ["x"], attributes: [AttributeSpec("shape", .ints)],
                     outputShape: reshapedShape, forward: .composite(reshapeView), saves: [],
                     gradFnName: "ViewBackward0") { ctx in
            [ctx.gradOutput.reshaped(ctx.inputShapes[0])]
        },
        OpDefinition(name: "expand", inputs: ["x"], attributes: [AttributeSpec("shape", .ints)],
                     outputShape: expandedShape, forward: .composite(expandView), saves: []) { ctx in
            [try ctx.gradOutput.summed(toShape: ctx.inputShapes[0])]
        },
        OpDefinition(name: "contiguous", inputs: ["x"], forward: .composite { $0.inputs[0].contiguousData() },
                     saves: [], gradFnName: "CloneBackward0") { ctx in
            [ctx.gradOutput]
        },
    ]

    static let transposedShape = ShapeRule { ctx in
        var shape = ctx.shapes[0]
        let d0 = try ctx.dim(ctx.attributes.int("dim0"), attribute: "dim0")
        let d1 = try ctx.dim(ctx.attributes.int("dim1"), attribute: "dim1")
        if !shape.isEmpty { shape.swapAt(d0, d1) }
        return shape
    }

    private static func transposeView(_ ctx: KernelContext) -> Tensor {
        let x = ctx.inputs[0]
        guard x.rank > 0 else { return x.detach() }
        let d0 = Shape.normalize(dim: ctx.attributes.int("dim0"), rank: x.rank)!
        let d1 = Shape.normalize(dim: ctx.attributes.int("dim1"), rank: x.rank)!
        var strides = x.strides
        strides.swapAt(d0, d1)
        return Tensor(storage: x.storage, shape: ctx.outputShape, strides: strides, offset: x.offset, dtype: x.dtype)
    }

    static let reshapedShape = ShapeRule { ctx in
        let requested = ctx.attributes.ints("shape")!
        let count = Shape.count(ctx.shapes[0])
        let inferred = requested.indices.filter { requested[$0] == -1 }
        guard inferred.count <= 1, requested.allSatisfy({ $0 >= -1 }) else {
            throw ctx.error("shape with sizes >= 0 and at most one -1, got \(Shape.describe(requested))")
        }
        var shape = requested
        if let i = inferred.first {
            let known = Shape.count(requested.filter { $0 != -1 })
            guard known > 0, count % known == 0 else {
                throw ctx.error("a shape whose -1 can be inferred for \(count) elements, got \(Shape.describe(requested))")
            }
            shape[i] = count / known
        }
        guard Shape.count(shape) == count else {
            throw ctx.error("a shape of \(count) elements, got \(Shape.describe(requested)) (\(Shape.count(shape)) elements)")
        }
        return shape
    }

    private static func reshapeView(_ ctx: KernelContext) -> Tensor {
        let x = ctx.inputs[0].contiguousData()
        return Tensor(storage: x.storage, shape: ctx.outputShape, strides: Shape.contiguousStrides(ctx.outputShape),
                      offset: x.offset, dtype: x.dtype)
    }

    static let expandedShape = ShapeRule { ctx in
        let source = ctx.shapes[0]
        var target = ctx.attributes.ints("shape")!
        let lead = target.count - source.count
        guard lead >= 0 else { throw ctx.error("a shape of rank at least \(source.count), got \(Shape.describe(target))") }
        for i in target.indices where target[i] == -1 {
            guard i >= lead else { throw ctx.error("-1 only for existing dims, got \(Shape.describe(target))") }
            target[i] = source[i - lead]
        }
        guard Shape.broadcast(source, target) == target else {
            throw ctx.error("a shape that \(Shape.describe(source)) broadcasts to (size-1 dims stretch), got \(Shape.describe(target))")
        }
        return target
    }

    private static func expandView(_ ctx: KernelContext) -> Tensor {
        ctx.inputs[0].broadcastView(to: ctx.outputShape)
    }
}

extension Tensor {
    /// The same elements in row-major order with a new shape (one size may be -1).
    /// A view when this tensor is contiguous, a copy otherwise.
    public func reshaped(_ shape: [Int]) -> Tensor { dispatch(.reshape, [self], ["shape": .ints(shape)]) }

    /// A view with dims `dim0` and `dim1` swapped.
    public func transposed(_ dim0: Int, _ dim1: Int) -> Tensor {
        dispatch(.transpose, [self], ["dim0": .int(dim0), "dim1": .int(dim1)])
    }

    /// A view of this tensor broadcast to `shape` (size-1 dims stretch; -1 keeps a dim).
    public func expanded(to shape: [Int]) -> Tensor { dispatch(.expand, [self], ["shape": .ints(shape)]) }

    /// This tensor if its elements are in row-major order, else a contiguous copy.
    public func contiguous() -> Tensor { isContiguous ? self : dispatch(.contiguous, [self]) }
}
