/// transpose, reshape, expand, contiguous: views and layout.
extension OpHandle {
    static let reshape = OpHandle("reshape")
    static let permute = OpHandle("permute")
    static let unsqueeze = OpHandle("unsqueeze")
    static let squeeze = OpHandle("squeeze")
    static let transpose = OpHandle("transpose")
    static let expand = OpHandle("expand")
    static let contiguous = OpHandle("contiguous")
}

extension BuiltinOps {
    static let shapeOps: [OpDefinition] = [
        OpDefinition(name: "transpose", inputs: ["x"], attributes: [AttributeSpec("dim0", .int), AttributeSpec("dim1", .int)],
                     outputShape: transposedShape, forward: .composite(dtypes: DType.allCases, transposeView), saves: [],
                     jvp: .linear) { ctx in
            [ctx.gradOutput.transposed(ctx.attributes.int("dim0"), ctx.attributes.int("dim1"))]
        },
        OpDefinition(name: "reshape", inputs: ["x"], attributes: [AttributeSpec("shape", .ints)],
                     outputShape: reshapedShape, forward: .composite(dtypes: DType.allCases, reshapeView), saves: [],
                     gradFnName: "ViewBackward0", jvp: .linear) { ctx in
            [ctx.gradOutput.reshaped(ctx.inputShapes[0])]
        },
        OpDefinition(name: "expand", inputs: ["x"], attributes: [AttributeSpec("shape", .ints)],
                     outputShape: expandedShape, forward: .composite(dtypes: DType.allCases, expandView), saves: [],
                     jvp: .linear) { ctx in
            [try ctx.gradOutput.summed(toShape: ctx.inputShapes[0])]
        },
        OpDefinition(name: "permute", inputs: ["x"], attributes: [AttributeSpec("dims", .ints)],
                     outputShape: permutedShape, forward: .composite(dtypes: DType.allCases, permuteView), saves: [],
                     jvp: .linear) { ctx in
            let dims = try permutation(ctx.attributes.ints("dims")!, rank: ctx.inputShapes[0].count)
            var inverse = dims
            for (i, d) in dims.enumerated() { inverse[d] = i }
            return [ctx.gradOutput.permuted(inverse)]
        },
        OpDefinition(name: "unsqueeze", inputs: ["x"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: unsqueezedShape, forward: .composite(dtypes: DType.allCases, unsqueezeView), saves: [],
                     jvp: .linear) { ctx in
            [ctx.gradOutput.reshaped(ctx.inputShapes[0])]
        },
        OpDefinition(name: "squeeze", inputs: ["x"], attributes: [AttributeSpec("dims", .ints, default: nil)],
                     outputShape: squeezedShape, forward: .composite(dtypes: DType.allCases, squeezeView), saves: [],
                     jvp: .linear) { ctx in
            [ctx.gradOutput.reshaped(ctx.inputShapes[0])]
        },
        OpDefinition(name: "contiguous", inputs: ["x"],
                     forward: .composite(dtypes: DType.allCases) { $0.inputs[0].contiguousData() },
                     saves: [], gradFnName: "CloneBackward0", reference: "x", jvp: .linear) { ctx in
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

    /// `dims` resolved against `rank`, checked to be a permutation.
    static func permutation(_ dims: [Int], rank: Int) throws -> [Int] {
        let resolved = dims.compactMap { Shape.normalize(dim: $0, rank: rank) }
        guard dims.count == rank, resolved.count == rank, Set(resolved).count == rank else {
            throw AutogradError(.shape, "permute: dims \(Shape.describe(dims)) are not a permutation of the \(rank) dims")
        }
        return rank == 0 ? [] : resolved
    }

    static let permutedShape = ShapeRule { ctx in
        let shape = ctx.shapes[0]
        let dims = try permutation(ctx.attributes.ints("dims")!, rank: shape.count)
        return dims.map { shape[$0] }
    }

    private static func permuteView(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0]
        let dims = try permutation(ctx.attributes.ints("dims")!, rank: x.rank)
        return Tensor(storage: x.storage, shape: ctx.outputShape, strides: dims.map { x.strides[$0] }, offset: x.offset,
                      dtype: x.dtype)
    }

    static let unsqueezedShape = ShapeRule { ctx in
        var shape = ctx.shapes[0]
        let dim = ctx.attributes.int("dim")
        guard let d = Shape.normalize(dim: dim, rank: shape.count + 1) else {
            throw ctx.error("dim in [\(-shape.count - 1), \(shape.count)], got \(dim)")
        }
        shape.insert(1, at: d)
        return shape
    }

    /// A new size-1 dim takes any stride: a view of any layout.
    private static func unsqueezeView(_ ctx: KernelContext) -> Tensor {
        let x = ctx.inputs[0]
        let d = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank + 1)!
        var strides = x.strides
        strides.insert(d < x.rank ? x.strides[d] * x.shape[d] : 1, at: d)
        return Tensor(storage: x.storage, shape: ctx.outputShape, strides: strides, offset: x.offset, dtype: x.dtype)
    }

    /// The dims `squeeze` removes: the size-1 dims among `dims` (all of them when nil).
    static func squeezedDims(_ shape: [Int], _ dims: [Int]?, context: ShapeContext? = nil) throws -> Set<Int> {
        guard let dims else { return Set(shape.indices.filter { shape[$0] == 1 }) }
        var remove = Set<Int>()
        for d in dims {
            guard let n = Shape.normalize(dim: d, rank: shape.count) else {
                let r = Swift.max(shape.count, 1)
                throw context?.error("dims in [\(-r), \(r - 1)], got \(d)") ?? AutogradError(.shape, "squeeze: dim \(d) out of range")
            }
            if !shape.isEmpty && shape[n] == 1 { remove.insert(n) }
        }
        return remove
    }

    static let squeezedShape = ShapeRule { ctx in
        let shape = ctx.shapes[0]
        let remove = try squeezedDims(shape, ctx.attributes.ints("dims"), context: ctx)
        return shape.indices.filter { !remove.contains($0) }.map { shape[$0] }
    }

    /// Removing size-1 dims keeps every other dim's stride: a view of any layout.
    private static func squeezeView(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0]
        let remove = try squeezedDims(x.shape, ctx.attributes.ints("dims"))
        let strides = x.strides.indices.filter { !remove.contains($0) }.map { x.strides[$0] }
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

    /// A view with dims reordered: dim `i` of the result is dim `dims[i]` of this tensor.
    public func permuted(_ dims: [Int]) -> Tensor { dispatch(.permute, [self], ["dims": .ints(dims)]) }

    /// A view with a new dim of size 1 at `dim` (negative counts from the end of the result).
    public func unsqueezed(dim: Int) -> Tensor { dispatch(.unsqueeze, [self], ["dim": .int(dim)]) }

    /// A view without the size-1 dims among `dims` (all size-1 dims when nil).
    public func squeezed(dims: [Int]? = nil) -> Tensor {
        dispatch(.squeeze, [self], ["dims": dims.map(AttributeValue.ints) ?? nil])
    }

    /// A view with dim `source` moved to position `destination`, the others in order.
    public func movingAxis(from source: Int, to destination: Int) -> Tensor {
        guard let s = Shape.normalize(dim: source, rank: rank), let d = Shape.normalize(dim: destination, rank: rank) else {
            preconditionFailure("movingAxis: dims \(source) and \(destination) out of range for shape \(Shape.describe(shape))")
        }
        var order = Array(0..<rank)
        order.remove(at: s)
        order.insert(s, at: d)
        return rank == 0 ? self : permuted(order)
    }

    /// This tensor if its elements are in row-major order, else a contiguous copy.
    public func contiguous() -> Tensor { isContiguous ? self : dispatch(.contiguous, [self]) }
}
