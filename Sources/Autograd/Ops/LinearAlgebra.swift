/// matmul (1-D, 2-D and batched with broadcast batch dims) and linear.
extension BuiltinOps {
    static let linearAlgebra: [OpDefinition] = [
        OpDefinition(name: "matmul", inputs: ["a", "b"], outputShape: matmulShape, forward: .floating(MatmulForward.self),
                     saves: .otherInputs, gradFnName: "MmBackward0",
                     jvp: .rule { ctx in
                         let (a, b) = (ctx.inputs[0], ctx.inputs[1])
                         var terms: [Tensor] = []
                         if let ta = ctx.tangents[0] { terms.append(Autograd.matmul(ta, b)) }
                         if let tb = ctx.tangents[1] { terms.append(Autograd.matmul(a, tb)) }
                         return [terms.dropFirst().reduce(terms[0], +)]
                     },
                     backward: matmulBackward),
        OpDefinition(name: "linear", inputs: ["x", "weight", .optional("bias")], outputShape: linearShape,
                     forward: .composite { ctx in
                         let product = Autograd.matmul(ctx.inputs[0], ctx.inputs[1].transposed(0, 1))
                         return ctx.inputs.optional(2).map { product + $0 } ?? product
                     },
                     saves: .otherInputs, gradFnName: "AddmmBackward0",
                     reference: "matmul(x, transpose(weight, dim0=0, dim1=1)) + bias",
                     jvp: .rule { ctx in
                         let (x, w) = (ctx.inputs[0], ctx.inputs[1])
                         var terms: [Tensor] = []
                         if let tx = ctx.tangents[0] { terms.append(Autograd.matmul(tx, w.transposed(0, 1))) }
                         if let tw = ctx.tangents[1] { terms.append(Autograd.matmul(x, tw.transposed(0, 1))) }
                         if ctx.tangents.count > 2, let tb = ctx.tangents[2] { terms.append(tb.expanded(to: ctx.output.shape)) }
                         return [terms.dropFirst().reduce(terms[0], +)]
                     }) { ctx in
            let g = ctx.gradOutput
            let outFeatures = ctx.inputShapes[1][0], inFeatures = ctx.inputShapes[1][1]
            let rows = g.reshaped([-1, outFeatures])
            return [
                ctx.needsInputGrad[0] ? Autograd.matmul(g, ctx.inputs[1]) : nil,
                ctx.needsInputGrad[1] ? Autograd.matmul(rows.transposed(0, 1), ctx.inputs[0].reshaped([-1, inFeatures])) : nil,
                ctx.needsInputGrad[2] ? rows.sum(dims: [0]) : nil,
            ]
        },
    ]

    /// PyTorch's matmul shape rule: 1-D operands gain a dim that the result drops;
    /// dims before the last two broadcast.
    static let matmulShape = ShapeRule { ctx in
        let (a, b) = (ctx.shapes[0], ctx.shapes[1])
        guard !a.isEmpty, !b.isEmpty else { throw ctx.error("inputs of at least one dimension") }
        let a2 = a.count == 1 ? [1] + a : a
        let b2 = b.count == 1 ? b + [1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw ctx.error("the last dim of a (\(a2.last!)) to equal the \(b.count == 1 ? "only" : "second-to-last") dim of b (\(b2[b2.count - 2]))")
        }
        guard let batch = Shape.broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2))) else {
            throw ctx.error("batch dims (all but the last two) that broadcast together")
        }
        var out = batch
        if a.count > 1 { out.append(a2[a2.count - 2]) }
        if b.count > 1 { out.append(b2[b2.count - 1]) }
        return out
    }

    fileprivate static func batchedMatmul<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        // 1-D operands gain a dim of size 1: a row for the left factor, a column for the right one.
        let a = matmulOperand(ctx.inputs[0], liftingVectorTo: .row)
        let b = matmulOperand(ctx.inputs[1], liftingVectorTo: .column)
        let (m, k, n) = (a.shape[a.shape.count - 2], a.shape[a.shape.count - 1], b.shape[b.shape.count - 1])
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batch = Shape.broadcast(aBatch, bBatch)!
        // Element offsets of each matrix, from the operands' own batch strides (0 where broadcast).
        let aStrides = Shape.broadcastStrides(shape: aBatch, strides: Array(a.strides.dropLast(2)), to: batch)
        let bStrides = Shape.broadcastStrides(shape: bBatch, strides: Array(b.strides.dropLast(2)), to: batch)
        let count = Shape.count(batch)
        var aOffsets = [Int](), bOffsets = [Int]()
        aOffsets.reserveCapacity(count)
        bOffsets.reserveCapacity(count)
        var index = [Int](repeating: 0, count: batch.count)
        for _ in 0..<count {
            var offsetA = 0, offsetB = 0
            for d in index.indices {
                offsetA += index[d] * aStrides[d]
                offsetB += index[d] * bStrides[d]
            }
            aOffsets.append(offsetA)
            bOffsets.append(offsetB)
            var d = index.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < batch[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        MatmulKernel.batched(
            m: m, n: n, k: k,
            a: MatrixOperand(base: a.tensor.pointer(T.self), offsets: aOffsets, ld: a.ld, transposed: a.transposed),
            b: MatrixOperand(base: b.tensor.pointer(T.self), offsets: bOffsets, ld: b.ld, transposed: b.transposed),
            c: out.pointer(T.self))
        return out
    }

    private enum VectorLift { case row, column }

    /// A matmul input as a batch of matrices the kernel reads in place: shape and
    /// strides with a 1-D input lifted to 2-D, and the layout of the last two dims.
    /// Those are either row-major with any row stride, or the transpose of that
    /// (a `transposed(-1, -2)` view, as the backward pass makes); any other layout
    /// is copied to contiguous first. Batch dims may have any strides.
    private struct MatmulOperand {
        var tensor: Tensor
        var shape: [Int]
        var strides: [Int]
        var ld: Int
        var transposed: Bool
    }

    private static func matmulOperand(_ input: Tensor, liftingVectorTo lift: VectorLift) -> MatmulOperand {
        func lifted(_ t: Tensor) -> (shape: [Int], strides: [Int]) {
            guard t.rank == 1 else { return (t.shape, t.strides) }
            // The added dim has size 1, so its stride is never used.
            return lift == .row ? ([1] + t.shape, [0] + t.strides) : (t.shape + [1], t.strides + [0])
        }
        var (shape, strides) = lifted(input)
        let (rows, cols) = (shape[shape.count - 2], shape[shape.count - 1])
        let (rowStride, colStride) = (strides[strides.count - 2], strides[strides.count - 1])
        if cols == 1 || colStride == 1 {
            return MatmulOperand(tensor: input, shape: shape, strides: strides,
                                 ld: rows == 1 ? Swift.max(cols, 1) : rowStride, transposed: false)
        }
        if rows == 1 || rowStride == 1 {
            return MatmulOperand(tensor: input, shape: shape, strides: strides, ld: colStride, transposed: true)
        }
        let copy = input.contiguousData()
        (shape, strides) = lifted(copy)
        return MatmulOperand(tensor: copy, shape: shape, strides: strides, ld: cols, transposed: false)
    }

    /// grad_a = g · bᵀ and grad_b = aᵀ · g, with 1-D operands lifted to matrices and
    /// broadcast batch dims summed back.
    static let matmulBackward: BackwardRule = { ctx in
        // Only the operand the other's gradient needs is saved: read shapes from inputShapes.
        let g = ctx.gradOutput
        let (aShape, bShape) = (ctx.inputShapes[0], ctx.inputShapes[1])
        if aShape.count == 1 && bShape.count == 1 {
            return [ctx.needsInputGrad[0] ? g * ctx.inputs[1] : nil, ctx.needsInputGrad[1] ? g * ctx.inputs[0] : nil]
        }
        let a2Shape = aShape.count == 1 ? [1] + aShape : aShape
        let b2Shape = bShape.count == 1 ? bShape + [1] : bShape
        var gShape = g.shape
        if aShape.count == 1 { gShape.insert(1, at: gShape.count - 1) }
        if bShape.count == 1 { gShape.append(1) }
        // Operands of two or more dims need no lifting: their reshapes would be identity views.
        func shaped(_ t: Tensor, _ shape: [Int]) -> Tensor { t.shape == shape ? t : t.reshaped(shape) }
        let g2 = shaped(g, gShape)
        var grads: [Tensor?] = [nil, nil]
        if ctx.needsInputGrad[0] {
            let b2 = shaped(ctx.inputs[1], b2Shape)
            grads[0] = try shaped(Autograd.matmul(g2, b2.transposed(-1, -2)).summed(toShape: a2Shape), aShape)
        }
        if ctx.needsInputGrad[1] {
            let a2 = shaped(ctx.inputs[0], a2Shape)
            grads[1] = try shaped(Autograd.matmul(a2.transposed(-1, -2), g2).summed(toShape: b2Shape), bShape)
        }
        return grads
    }

    static let linearShape = ShapeRule { ctx in
        let (x, w, b) = (ctx.shapes[0], ctx.shapes[1], ctx.shapes[2])
        guard w.count == 2, !ctx.isGiven(2) || b == [w[0]], !x.isEmpty, x.last == w[1] else {
            throw ctx.error("x [..., in], weight [out, in] and bias [out]")
        }
        return x.dropLast() + [w[0]]
    }
}

enum MatmulForward: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        try BuiltinOps.batchedMatmul(ctx, T.self)
    }
}

extension OpHandle {
    static let matmul = OpHandle("matmul")
    static let linear = OpHandle("linear")
}

/// The matrix product of two tensors, with `torch.matmul`'s rules for 1-D and batched operands.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.matmul, [a, b]) }

/// `x · weightᵀ + bias`, as `torch.nn.functional.linear`; without a bias, `x · weightᵀ`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor { dispatch(.linear, [x, weight, bias]) }

extension Tensor {
    /// The matrix product `self · other` (see `matmul(_:_:)`).
    public func matmul(_ other: Tensor) -> Tensor { Autograd.matmul(self, other) }
}
