/// gather and scatter_add: reading and adding elements at int64 positions along a dim.
extension OpHandle {
    static let gather = OpHandle("gather")
    static let scatterAdd = OpHandle("scatter_add")
}

extension BuiltinOps {
    static let indexing: [OpDefinition] = [
        OpDefinition(name: "gather", inputs: ["x", .indices("index")], attributes: [AttributeSpec("dim", .int)],
                     outputShape: gatherShape, forward: .anyDType(GatherKernel.self), saves: [.otherInputs],
                     jvp: .linear) { ctx in
            let zeros = Tensor.zeros(ctx.inputShapes[0], dtype: ctx.gradOutput.dtype)
            return [zeros.scatterAdd(dim: ctx.attributes.int("dim"), index: ctx.inputs[1], source: ctx.gradOutput), nil]
        },
        OpDefinition(name: "scatter_add", inputs: ["x", .indices("index"), "src"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: scatterAddShape,
                     forward: ForwardKernels.numeric(ScatterAddKernel.self).adding([.bool: ScatterAddKernel.runBool]),
                     saves: [.otherInputs], jvp: .linear) { ctx in
            let g = ctx.gradOutput
            guard ctx.needsInputGrad[2] else { return [g, nil, nil] }
            // src's gradient is the upstream gradient read back at the index; where
            // the index is smaller than src, the rest of src got no use: zeros.
            let index = ctx.inputs[1]
            let srcShape = ctx.inputShapes[2]
            var src = g.gather(dim: ctx.attributes.int("dim"), index: index)
            for d in srcShape.indices where src.shape[d] != srcShape[d] {
                var padded = src.shape
                padded[d] = srcShape[d]
                src = try src.sliceBackward(inputShape: padded, attributes: Attributes([
                    "dim": .int(d), "start": .int(0), "end": .int(src.shape[d]), "step": .int(1),
                ]))
            }
            return [ctx.needsInputGrad[0] ? g : nil, nil, src]
        },
    ]

    /// A 0-d tensor counts as one of shape [1], as in PyTorch's gather and scatter.
    static func atLeast1D(_ shape: [Int]) -> [Int] { shape.isEmpty ? [1] : shape }

    /// The index's shape; it has x's rank and no dim longer than x's, except along `dim`.
    static let gatherShape = ShapeRule { ctx in
        let (x, index) = (atLeast1D(ctx.shapes[0]), atLeast1D(ctx.shapes[1]))
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        guard index.count == x.count, x.indices.allSatisfy({ $0 == dim || index[$0] <= x[$0] }) else {
            throw ctx.error("an index of x's rank whose sizes are at most x's in every dim but \(dim)")
        }
        return ctx.shapes[1]
    }

    /// x's shape; index, src and x have one rank, and the index fits in src (every
    /// dim) and in x (every dim but `dim`).
    static let scatterAddShape = ShapeRule { ctx in
        let (x, index, src) = (atLeast1D(ctx.shapes[0]), atLeast1D(ctx.shapes[1]), atLeast1D(ctx.shapes[2]))
        let dim = try ctx.dim(ctx.attributes.int("dim"))
        guard index.count == x.count, src.count == x.count,
              x.indices.allSatisfy({ index[$0] <= src[$0] && ($0 == dim || index[$0] <= x[$0]) }) else {
            throw ctx.error("""
                x, index and src of one rank, the index no larger than src in any dim and than x in every dim but \(dim)
                """)
        }
        return ctx.shapes[0]
    }

    /// The index's values, contiguous, each checked to lie in `0..<size` (PyTorch
    /// refuses negative positions in gather and scatter).
    static func checkedPositions(_ index: Tensor, size: Int, op: String, dim: Int) throws -> Tensor {
        let index = index.contiguousData()
        let p = index.pointer(Int64.self)
        for i in 0..<index.scalarCount where p[i] < 0 || p[i] >= size {
            throw AutogradError(.kernel, "\(op): index \(p[i]) at position \(i) is out of range for dim \(dim) of size \(size)")
        }
        return index
    }
}

/// Walks the positions of an index tensor along `dim`.
enum IndexWalk {
    /// Calls `body(indexedOffset, otherOffset)` per element of `index` (contiguous, in
    /// row-major order): where that element falls in a tensor with `indexed` strides,
    /// its `dim` coordinate replaced by the index's value, and in one with `other` strides.
    @inline(__always)
    static func forEach(index: Tensor, dim: Int, indexed: [Int], other: [Int], _ body: (Int, Int) -> Void) {
        let shape = BuiltinOps.atLeast1D(index.shape)
        var walked = indexed.isEmpty ? [0] : indexed
        let dimStride = walked[dim]
        walked[dim] = 0
        let other = other.isEmpty ? [0] : other
        let last = shape.count - 1
        let (sw, so) = (walked[last], other[last])
        let positions = index.pointer(Int64.self)
        var i = 0
        StridedLoops.forEachRow(shape: shape, strides: [walked, other]) { offsets, count in
            let (ow, oo) = (offsets[0], offsets[1])
            for j in 0..<count {
                body(ow &+ j &* sw &+ Int(positions[i &+ j]) &* dimStride, oo &+ j &* so)
            }
            i &+= count
        }
    }
}

enum GatherKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        let index = try BuiltinOps.checkedPositions(ctx.inputs[1], size: BuiltinOps.atLeast1D(x.shape)[dim],
                                                    op: ctx.op, dim: dim)
        guard out.scalarCount > 0 else { return out }
        let px = x.pointer(T.self), o = out.pointer(T.self)
        IndexWalk.forEach(index: index, dim: dim, indexed: x.strides, other: Shape.contiguousStrides(out.shape)) { from, to in
            o[to] = px[from]
        }
        return out
    }
}

enum ScatterAddKernel: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        try scatter(ctx, T.self) { T.wrappingAdd($0, $1) }
    }

    /// Bool tensors add as PyTorch's do: `true + true` is `true`.
    static func runBool(_ ctx: KernelContext) throws -> Tensor {
        try scatter(ctx, Bool.self) { $0 || $1 }
    }

    @inline(__always)
    private static func scatter<T: TensorElement>(_ ctx: KernelContext, _: T.Type, _ add: (T, T) -> T) throws -> Tensor {
        let (x, src) = (ctx.inputs[0], ctx.inputs[2])
        let out = try ctx.makeOutput()
        StridedLoops.copy(from: x, into: out)
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        let index = try BuiltinOps.checkedPositions(ctx.inputs[1], size: BuiltinOps.atLeast1D(x.shape)[dim],
                                                    op: ctx.op, dim: dim)
        guard index.scalarCount > 0 else { return out }
        let ps = src.pointer(T.self), o = out.pointer(T.self)
        IndexWalk.forEach(index: index, dim: dim, indexed: out.strides, other: src.strides) { to, from in
            o[to] = add(o[to], ps[from])
        }
        return out
    }
}

extension Tensor {
    /// The elements of this tensor at `index` along `dim` (`torch.gather`):
    /// `out[i][j][k] = x[i][index[i][j][k]][k]` for `dim == 1`.
    ///
    /// `index` (int64) has this tensor's rank and, in every dim but `dim`, at most
    /// its size; the result has the index's shape.
    public func gather(dim: Int, index: Tensor) -> Tensor {
        dispatch(.gather, [self, index], ["dim": .int(dim)])
    }

    /// A copy of this tensor with `source`'s elements added at `index` along `dim`
    /// (`torch.scatter_add`): `out[i][index[i][j][k]][k] += source[i][j][k]` for
    /// `dim == 1`. Repeated positions add up; `source` may be larger than `index`,
    /// whose positions alone are read.
    public func scatterAdd(dim: Int, index: Tensor, source: Tensor) -> Tensor {
        dispatch(.scatterAdd, [self, index, source], ["dim": .int(dim)])
    }
}
