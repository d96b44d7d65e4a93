/// cat, stack, split, chunk and unbind: joining tensors along a dim and cutting them apart.
extension OpHandle {
    static let cat = OpHandle("cat")
    static let stack = OpHandle("stack")
    static let split = OpHandle("split")
    static let chunk = OpHandle("chunk")
    static let unbind = OpHandle("unbind")
}

extension BuiltinOps {
    static let joining: [OpDefinition] = [
        OpDefinition(name: "cat", inputs: [.list("tensors")], attributes: [AttributeSpec("dim", .int, default: 0)],
                     outputShape: catShape, forward: .anyDType(CatKernel.self), saves: [], jvp: .linear) { ctx in
            // Each input's gradient is its slice of the upstream gradient: a view, no copy.
            let shapes = ctx.inputShapes
            guard let dim = try catDim(shapes, ctx.attributes.int("dim")) else {
                return shapes.indices.map { ctx.needsInputGrad[$0] ? Tensor.zeros([0], dtype: ctx.gradOutput.dtype) : nil }
            }
            var start = 0
            return try shapes.indices.map { i in
                if isLegacyEmpty(shapes[i]) {
                    return ctx.needsInputGrad[i] ? Tensor.zeros([0], dtype: ctx.gradOutput.dtype) : nil
                }
                let end = start + shapes[i][dim]
                defer { start = end }
                guard ctx.needsInputGrad[i] else { return nil }
                return try OpHandle.slice.op().call([ctx.gradOutput], attributes: [
                    "dim": .int(dim), "start": .int(start), "end": .int(end),
                ])
            }
        },
        OpDefinition(name: "stack", inputs: [.list("tensors")], attributes: [AttributeSpec("dim", .int, default: 0)],
                     outputShape: stackShape, forward: .anyDType(StackKernel.self), saves: [], jvp: .linear) { ctx in
            let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: ctx.inputShapes[0].count + 1)!
            return try ctx.inputShapes.indices.map { i in
                guard ctx.needsInputGrad[i] else { return nil }
                return try OpHandle.select.op().call([ctx.gradOutput], attributes: ["dim": .int(dim), "index": .int(i)])
            }
        },
        OpDefinition(name: "split", inputs: ["x"],
                     attributes: [AttributeSpec("split_size", .int), AttributeSpec("dim", .int, default: 0)],
                     variadicOutputs: true, outputShape: splitShape,
                     forward: .composite(dtypes: DType.allCases, outputs: pieceViews), saves: [], jvp: .linear,
                     backward: joinPieces),
        OpDefinition(name: "chunk", inputs: ["x"],
                     attributes: [AttributeSpec("chunks", .int), AttributeSpec("dim", .int, default: 0)],
                     variadicOutputs: true, outputShape: chunkShape,
                     forward: .composite(dtypes: DType.allCases, outputs: pieceViews), saves: [], jvp: .linear,
                     backward: joinPieces),
        OpDefinition(name: "unbind", inputs: ["x"], attributes: [AttributeSpec("dim", .int, default: 0)],
                     variadicOutputs: true, outputShape: unbindShape,
                     forward: .composite(dtypes: DType.allCases, outputs: unbindViews), saves: [], jvp: .linear) { ctx in
            let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: ctx.inputShapes[0].count)!
            let pieces = ctx.gradOutputs.indices.map { ctx.gradOutput($0) }
            return [try OpHandle.stack.op().call(pieces, attributes: ["dim": .int(dim)])]
        },
    ]

    /// PyTorch's cat skips 1-D empty tensors whatever the others' shapes (legacy behaviour).
    static func isLegacyEmpty(_ shape: [Int]) -> Bool { shape == [0] }

    /// The resolved dim of a cat of `shapes`, nil when every tensor is a skipped empty one.
    static func catDim(_ shapes: [[Int]], _ dim: Int) throws -> Int? {
        guard let reference = shapes.first(where: { !isLegacyEmpty($0) }) else { return nil }
        return Shape.normalize(dim: dim, rank: reference.count)
    }

    /// Every tensor's shape but along `dim`, whose sizes add up.
    static let catShape = ShapeRule { ctx in
        guard !ctx.shapes.isEmpty else { throw ctx.error("at least one tensor") }
        let joined = ctx.shapes.filter { !isLegacyEmpty($0) }
        guard let reference = joined.first else { return [0] }
        guard !reference.isEmpty, joined.allSatisfy({ !$0.isEmpty }) else {
            throw ctx.error("tensors of at least one dim (0-d tensors cannot be concatenated; stack them)")
        }
        let dim = try ctx.dim(ctx.attributes.int("dim"), of: ctx.shapes.firstIndex(of: reference)!)
        var shape = reference
        shape[dim] = 0
        for s in joined {
            guard s.count == reference.count, s.indices.allSatisfy({ $0 == dim || s[$0] == reference[$0] }) else {
                throw ctx.error("tensors of one rank and one size in every dim but \(dim)")
            }
            shape[dim] += s[dim]
        }
        return shape
    }

    /// The tensors' one shape, with their count inserted at `dim`.
    static let stackShape = ShapeRule { ctx in
        guard let reference = ctx.shapes.first else { throw ctx.error("at least one tensor") }
        let dim = ctx.attributes.int("dim")
        guard let d = Shape.normalize(dim: dim, rank: reference.count + 1) else {
            throw ctx.error("dim in [\(-reference.count - 1), \(reference.count)], got \(dim)")
        }
        guard ctx.shapes.allSatisfy({ $0 == reference }) else { throw ctx.error("tensors of one shape") }
        var shape = reference
        shape.insert(ctx.shapes.count, at: d)
        return shape
    }

    /// x's shape with `dim` cut into the given sizes.
    private static func pieces(_ ctx: ShapeContext, sizes: (Int) throws -> [Int]) throws -> [[Int]] {
        let x = ctx.shapes[0]
        guard !x.isEmpty else { throw ctx.error("a tensor of at least one dim") }
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        return try sizes(x[dim]).map { size in
            var shape = x
            shape[dim] = size
            return shape
        }
    }

    /// Pieces of `split_size` along dim, the last one shorter when the size does not divide.
    static let splitShape = ShapeRule.outputs { ctx in
        let splitSize = ctx.attributes.int("split_size")
        return try pieces(ctx) { size in
            guard splitSize > 0 || (splitSize == 0 && size == 0) else {
                throw ctx.error("split_size positive (0 only for a dim of size 0), got \(splitSize)")
            }
            if size == 0 { return [0] }
            return stride(from: 0, to: size, by: splitSize).map { Swift.min(splitSize, size - $0) }
        }
    }

    /// `chunks` pieces of ceil(size / chunks) (fewer when that covers the dim sooner),
    /// or `chunks` empty ones for an empty dim, as `torch.chunk`.
    static let chunkShape = ShapeRule.outputs { ctx in
        let chunks = ctx.attributes.int("chunks")
        return try pieces(ctx) { size in
            guard chunks > 0 else { throw ctx.error("chunks positive, got \(chunks)") }
            if size == 0 {
                // One tensor per chunk: a count past any memory is refused, not attempted.
                guard chunks <= 1 << 20 else {
                    throw AutogradError(.allocation, "\(ctx.op): cannot make \(chunks) empty chunks (at most \(1 << 20))")
                }
                return Array(repeating: 0, count: chunks)
            }
            let splitSize = size / chunks + (size % chunks == 0 ? 0 : 1)
            return stride(from: 0, to: size, by: splitSize).map { Swift.min(splitSize, size - $0) }
        }
    }

    /// One output per position along `dim`, without that dim.
    static let unbindShape = ShapeRule.outputs { ctx in
        let x = ctx.shapes[0]
        guard !x.isEmpty else { throw ctx.error("a tensor of at least one dim") }
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        var shape = x
        shape.remove(at: dim)
        return Array(repeating: shape, count: x[dim])
    }

    /// Views of consecutive pieces of x along dim, sized as the shape rule cut them.
    private static func pieceViews(_ ctx: KernelContext) -> [Tensor] {
        let x = ctx.inputs[0]
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        var start = 0
        return ctx.outputShapes.map { shape in
            defer { start += shape[dim] }
            return Tensor(storage: x.storage, shape: shape, strides: x.strides, offset: x.offset + start * x.strides[dim],
                          dtype: x.dtype)
        }
    }

    private static func unbindViews(_ ctx: KernelContext) -> [Tensor] {
        let x = ctx.inputs[0]
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        var strides = x.strides
        strides.remove(at: dim)
        return ctx.outputShapes.indices.map { i in
            Tensor(storage: x.storage, shape: ctx.outputShapes[i], strides: strides, offset: x.offset + i * x.strides[dim],
                   dtype: x.dtype)
        }
    }

    /// The backward of split and chunk: the pieces' gradients joined again (zeros for unused pieces).
    private static let joinPieces: BackwardRule = { ctx in
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: ctx.inputShapes[0].count)!
        let pieces = ctx.gradOutputs.indices.map { ctx.gradOutput($0) }
        return [try OpHandle.cat.op().call(pieces, attributes: ["dim": .int(dim)])]
    }
}

/// Joins the inputs along dim into one contiguous output: a memcpy per contiguous
/// input and outer row, split across cores when large.
enum CatKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        let inputs = ctx.inputs.given.filter { !BuiltinOps.isLegacyEmpty($0.shape) }
        guard out.scalarCount > 0, let dim = try BuiltinOps.catDim(inputs.map(\.shape), ctx.attributes.int("dim")) else {
            return out
        }
        let (outer, _, inner) = ReductionKernels.split(out.shape, around: dim)
        var start = 0
        let pieces = inputs.map { x -> BlockCopy.Piece in
            defer { start += x.shape[dim] }
            return JoinPlacement.piece(x, T.self, bytes: x.shape[dim] * inner * MemoryLayout<T>.stride) {
                Tensor(storage: out.storage, shape: x.shape, strides: out.strides, offset: start * out.strides[dim],
                       dtype: out.dtype)
            }
        }
        BlockCopy.join(rows: outer, pieces: pieces, into: UnsafeMutableRawPointer(out.pointer(T.self)))
        return out
    }
}

/// Stacks the inputs along a new dim: a memcpy per contiguous input and outer row.
enum StackKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        guard out.scalarCount > 0 else { return out }
        let inputs = ctx.inputs.given
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: out.rank)!
        let (outer, _, inner) = ReductionKernels.split(out.shape, around: dim)
        var strides = out.strides
        strides.remove(at: dim)
        let pieces = inputs.enumerated().map { i, x in
            JoinPlacement.piece(x, T.self, bytes: inner * MemoryLayout<T>.stride) {
                Tensor(storage: out.storage, shape: x.shape, strides: strides, offset: i * out.strides[dim], dtype: out.dtype)
            }
        }
        BlockCopy.join(rows: outer, pieces: pieces, into: UnsafeMutableRawPointer(out.pointer(T.self)))
        return out
    }
}

enum JoinPlacement {
    /// A contiguous input as a block-copy piece; a strided one is copied into its
    /// place in the output now (`place` gives that window) and left out of the block copy.
    @inline(__always)
    static func piece<T: TensorElement>(_ x: Tensor, _: T.Type, bytes: Int, place: () -> Tensor) -> BlockCopy.Piece {
        if x.isContiguous { return BlockCopy.Piece(source: UnsafeRawPointer(x.pointer(T.self)), bytes: bytes) }
        StridedLoops.copy(from: x, into: place())
        return BlockCopy.Piece(source: nil, bytes: bytes)
    }
}

/// The elements of `tensors` joined along `dim`, which every tensor has with any
/// size; every other dim must match (`torch.cat`). 1-D empty tensors are skipped,
/// as PyTorch does.
public func concatenated(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    dispatch(.cat, tensors, ["dim": .int(dim)])
}

/// `tensors`, which share one shape, joined along a new dim `dim` (`torch.stack`).
public func stacked(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    dispatch(.stack, tensors, ["dim": .int(dim)])
}

extension Tensor {
    /// Views of consecutive pieces of `size` along `dim`, the last one shorter when
    /// `size` does not divide the dim (`torch.split`). Joined with
    /// `concatenated(_:dim:)`, they give this tensor back.
    public func split(size: Int, dim: Int = 0) -> [Tensor] {
        dispatchOutputs(.split, [self], ["split_size": .int(size), "dim": .int(dim)])
    }

    /// Views of `count` pieces of equal size along `dim` (the last smaller; fewer
    /// pieces when equal sizes cover the dim sooner), as `torch.chunk`.
    public func chunked(into count: Int, dim: Int = 0) -> [Tensor] {
        dispatchOutputs(.chunk, [self], ["chunks": .int(count), "dim": .int(dim)])
    }

    /// Views of each position along `dim`, without that dim (`torch.unbind`); the
    /// inverse of `stacked(_:dim:)`.
    public func unstacked(dim: Int = 0) -> [Tensor] {
        dispatchOutputs(.unbind, [self], ["dim": .int(dim)])
    }
}
