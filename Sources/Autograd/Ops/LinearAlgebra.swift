/// matmul (1-D, 2-D and batched with broadcast batch dims) and linear.
extension BuiltinOps {
    static let linearAlgebra: [OpDefinition] = [
        OpDefinition(name: "matmul", inputs: ["a", "b"], outputShape: matmulShape, forward: matmulKernels,
                     saves: .otherInputs, gradFnName: "MmBackward0", backward: matmulBackward),
        OpDefinition(name: "linear", inputs: ["x", "weight", "bias"], outputShape: linearShape,
                     forward: .composite { ctx in
                         let (x, w, b) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs[2])
                         return Autograd.matmul(x, w.transposed(0, 1)) + b
                     },
                     saves: .otherInputs, gradFnName: "AddmmBackward0") { ctx in
            let (x, w, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            let outFeatures = ctx.inputShapes[1][0], inFeatures = ctx.inputShapes[1][1]
            let rows = g.reshaped([-1, outFeatures])
            return [
                ctx.needsInputGrad[0] ? Autograd.matmul(g, w) : nil,
                ctx.needsInputGrad[1] ? Autograd.matmul(rows.transposed(0, 1), x.reshaped([-1, inFeatures])) : nil,
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

    static let matmulKernels: [DType: Kernel] = [
        .float32: { ctx in batchedMatmul(ctx, Float.self) },
        .float64: { ctx in batchedMatmul(ctx, Double.self) },
    ]

    private static func batchedMatmul<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) -> Tensor {
        let a = ctx.inputs[0].contiguousData(), b = ctx.inputs[1].contiguousData()
        let out = ctx.makeOutput()
        let aShape = a.rank == 1 ? [1] + a.shape : a.shape
        let bShape = b.rank == 1 ? b.shape + [1] : b.shape
        let (m, k, n) = (aShape[aShape.count - 2], aShape[aShape.count - 1], bShape[bShape.count - 1])
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batch = Shape.broadcast(aBatch, bBatch)!
        // Element offsets of each matrix: batch strides of the contiguous inputs, 0 where broadcast.
        let aStrides = Shape.broadcastStrides(shape: aBatch, strides: Shape.contiguousStrides(aBatch).map { $0 * m * k }, to: batch)
        let bStrides = Shape.broadcastStrides(shape: bBatch, strides: Shape.contiguousStrides(bBatch).map { $0 * k * n }, to: batch)
        let pa = a.pointer(T.self), pb = b.pointer(T.self), pc = out.pointer(T.self)
        var index = [Int](repeating: 0, count: batch.count)
        for matrix in 0..<Shape.count(batch) {
            var offsetA = 0, offsetB = 0
            for d in index.indices {
                offsetA += index[d] * aStrides[d]
                offsetB += index[d] * bStrides[d]
            }
            MatmulKernel.gemm(m: m, n: n, k: k, a: pa + offsetA, lda: k, b: pb + offsetB, ldb: n,
                              c: pc + matrix * m * n, ldc: n)
            var d = index.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < batch[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// grad_a = g · bᵀ and grad_b = aᵀ · g, with 1-D operands lifted to matrices and
    /// broadcast batch dims summed back.
    static let matmulBackward: BackwardRule = { ctx in
        // Only the operand the other's gradient needs is saved: read shapes from inputShapes.
        let (a, b, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
        let (aShape, bShape) = (ctx.inputShapes[0], ctx.inputShapes[1])
        if aShape.count == 1 && bShape.count == 1 {
            return [ctx.needsInputGrad[0] ? g * b : nil, ctx.needsInputGrad[1] ? g * a : nil]
        }
        let a2Shape = aShape.count == 1 ? [1] + aShape : aShape
        let b2Shape = bShape.count == 1 ? bShape + [1] : bShape
        var gShape = g.shape
        if aShape.count == 1 { gShape.insert(1, at: gShape.count - 1) }
        if bShape.count == 1 { gShape.append(1) }
        let g2 = g.reshaped(gShape)
        var grads: [Tensor?] = [nil, nil]
        if ctx.needsInputGrad[0] {
            let b2 = b.reshaped(b2Shape)
            grads[0] = try Autograd.matmul(g2, b2.transposed(-1, -2)).summed(toShape: a2Shape).reshaped(aShape)
        }
        if ctx.needsInputGrad[1] {
            let a2 = a.reshaped(a2Shape)
            grads[1] = try Autograd.matmul(a2.transposed(-1, -2), g2).summed(toShape: b2Shape).reshaped(bShape)
        }
        return grads
    }

    static let linearShape = ShapeRule { ctx in
        let (x, w, b) = (ctx.shapes[0], ctx.shapes[1], ctx.shapes[2])
        guard w.count == 2, b == [w[0]], !x.isEmpty, x.last == w[1] else {
            throw ctx.error("x [..., in], weight [out, in] and bias [out]")
        }
        return x.dropLast() + [w[0]]
    }
}

/// The matrix product of two tensors, with `torch.matmul`'s rules for 1-D and batched operands.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch("matmul", [a, b]) }

/// `x · weightᵀ + bias`, as `torch.nn.functional.linear`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor { dispatch("linear", [x, weight, bias]) }

extension Tensor {
    /// The matrix product `self · other` (see `matmul(_:_:)`).
    public func matmul(_ other: Tensor) -> Tensor { Autograd.matmul(self, other) }
}
