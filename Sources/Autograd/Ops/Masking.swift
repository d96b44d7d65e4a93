/// masked_fill, masked_select and masked_scatter: choosing elements by a bool mask.
extension OpHandle {
    static let maskedFill = OpHandle("masked_fill")
    static let maskedSelect = OpHandle("masked_select")
    static let maskedScatter = OpHandle("masked_scatter")
}

extension BuiltinOps {
    static let masking: [OpDefinition] = [
        OpDefinition(name: "masked_fill", inputs: ["x", .mask("mask")], attributes: [AttributeSpec("value", .double)],
                     elementwise: true, forward: .anyDType(MaskedFillKernel.self), saves: [.otherInputs],
                     jvp: .rule { ctx in [ctx.tangent(0).maskedFill(ctx.inputs[1], with: 0)] }) { ctx in
            [which(ctx.inputs[1], 0, ctx.gradOutput), nil]
        },
        // The output's length is the number of true mask elements, which no shape
        // rule can see: the rule says so (`dataDependentSize`) and the kernel counts.
        // A decomposition over other ops would not escape this, as the op's own
        // output would still need its length from the rule; one kernel counting and
        // copying also keeps it to two passes and one node, whose backward
        // (masked_scatter into zeros) and forward rule (the op on the tangent) are
        // written with ops as any other's.
        OpDefinition(name: "masked_select", inputs: ["x", .mask("mask")],
                     outputShape: ShapeRule { ctx in
                         guard Shape.broadcast(ctx.shapes[0], ctx.shapes[1]) != nil else {
                             throw ctx.error("a mask that broadcasts with x")
                         }
                         return [ShapeRule.dataDependentSize]
                     },
                     forward: .anyDType(MaskedSelectKernel.self), saves: [.otherInputs], jvp: .linear) { ctx in
            let (mask, g) = (ctx.inputs[1], ctx.gradOutput)
            let shape = Shape.broadcast(ctx.inputShapes[0], mask.shape)!
            let zeros = Tensor.zeros(shape, dtype: g.dtype)
            return [try zeros.maskedScatter(mask, source: g).summed(toShape: ctx.inputShapes[0]), nil]
        },
        OpDefinition(name: "masked_scatter", inputs: ["x", .mask("mask"), "source"],
                     outputShape: ShapeRule { ctx in
                         guard let shape = Shape.broadcast(ctx.shapes[0], ctx.shapes[1]) else {
                             throw ctx.error("a mask that broadcasts with x")
                         }
                         return shape
                     },
                     forward: .anyDType(MaskedScatterKernel.self), saves: [.otherInputs], jvp: .linear) { ctx in
            let (mask, g) = (ctx.inputs[1], ctx.gradOutput)
            var grads: [Tensor?] = [nil, nil, nil]
            if ctx.needsInputGrad[0] {
                grads[0] = try g.maskedFill(mask, with: 0).summed(toShape: ctx.inputShapes[0])
            }
            if ctx.needsInputGrad[2] {
                // The first `count` elements of source were used, in order; the rest get zeros.
                let sourceShape = ctx.inputShapes[2]
                let used = g.maskedSelect(mask)
                grads[2] = try used.sliceBackward(inputShape: [Shape.count(sourceShape)], attributes: Attributes([
                    "dim": .int(0), "start": .int(0), "end": .int(used.scalarCount), "step": .int(1),
                ])).reshaped(sourceShape)
            }
            return grads
        },
    ]
}

/// `mask ? value : x`, the inputs broadcast to the output's shape.
enum MaskedFillKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let (x, mask) = (ctx.inputs[0], ctx.inputs[1])
        let out = try ctx.makeOutput()
        let value = T(converting: ctx.attributes.double("value"))
        let px = x.pointer(T.self), pm = mask.pointer(Bool.self), o = out.pointer(T.self)
        if x.isContiguous && mask.isContiguous {
            for i in 0..<out.scalarCount { o[i] = pm[i] ? value : px[i] }
            return out
        }
        let (sx, sm) = (x.strides.last ?? 0, mask.strides.last ?? 0)
        var i = 0
        StridedLoops.forEachRow(shape: out.shape, strides: [x.strides, mask.strides]) { offsets, count in
            let (rx, rm) = (px + offsets[0], pm + offsets[1])
            for j in 0..<count { o[i &+ j] = rm[j &* sm] ? value : rx[j &* sx] }
            i &+= count
        }
        return out
    }
}

/// Walks two tensors broadcast to one shape in row-major order.
enum MaskWalk {
    /// Calls `body(i, xOffset, maskOffset)` for each element `i` of `shape`.
    @inline(__always)
    static func forEach(shape: [Int], _ x: Tensor, _ mask: Tensor, _ body: (Int, Int, Int) -> Void) {
        let xs = Shape.broadcastStrides(shape: x.shape, strides: x.strides, to: shape)
        let ms = Shape.broadcastStrides(shape: mask.shape, strides: mask.strides, to: shape)
        let (sx, sm) = (xs.last ?? 0, ms.last ?? 0)
        var i = 0
        StridedLoops.forEachRow(shape: shape, strides: [xs, ms]) { offsets, count in
            for j in 0..<count { body(i &+ j, offsets[0] &+ j &* sx, offsets[1] &+ j &* sm) }
            i &+= count
        }
    }

    /// The number of true elements of `mask` read as `shape`.
    static func count(_ mask: Tensor, shape: [Int]) -> Int {
        let pm = mask.pointer(Bool.self)
        var n = 0
        if mask.shape == shape && mask.isContiguous {
            for i in 0..<mask.scalarCount where pm[i] { n &+= 1 }
            return n
        }
        forEach(shape: shape, mask, mask) { _, _, m in if pm[m] { n &+= 1 } }
        return n
    }
}

/// The elements of x where the mask (both broadcast to one shape) is true, in row-major order.
enum MaskedSelectKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let (x, mask) = (ctx.inputs[0], ctx.inputs[1])
        let shape = Shape.broadcast(x.shape, mask.shape)!
        let out = try ctx.makeOutput(shape: [MaskWalk.count(mask, shape: shape)])
        let px = x.pointer(T.self), pm = mask.pointer(Bool.self), o = out.pointer(T.self)
        var k = 0
        if x.shape == shape && mask.shape == shape && x.isContiguous && mask.isContiguous {
            for i in 0..<x.scalarCount where pm[i] {
                o[k] = px[i]
                k &+= 1
            }
            return out
        }
        MaskWalk.forEach(shape: shape, x, mask) { _, xOffset, maskOffset in
            if pm[maskOffset] {
                o[k] = px[xOffset]
                k &+= 1
            }
        }
        return out
    }
}

/// x (broadcast with the mask) with the mask's true positions set, in row-major
/// order, from source's first elements.
enum MaskedScatterKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let (x, mask) = (ctx.inputs[0], ctx.inputs[1])
        let source = ctx.inputs[2].contiguousData()
        let out = try ctx.makeOutput()
        let needed = MaskWalk.count(mask, shape: out.shape)
        guard needed <= source.scalarCount else {
            throw AutogradError(.kernel, """
                \(ctx.op): the mask selects \(needed) elements, but source has only \(source.scalarCount) \
                (shape \(Shape.describe(source.shape)))
                """)
        }
        StridedLoops.copy(from: x.broadcastView(to: out.shape), into: out)
        let pm = mask.pointer(Bool.self), ps = source.pointer(T.self), o = out.pointer(T.self)
        var k = 0
        MaskWalk.forEach(shape: out.shape, mask, mask) { i, _, maskOffset in
            if pm[maskOffset] {
                o[i] = ps[k]
                k &+= 1
            }
        }
        return out
    }
}

extension Tensor {
    /// This tensor with `value` wherever `mask` (bool, broadcast against it) is true
    /// (`torch.masked_fill`). No gradient flows through the filled elements.
    public func maskedFill(_ mask: Tensor, with value: Double) -> Tensor {
        dispatch(.maskedFill, [self, mask], ["value": .double(value)])
    }

    /// The elements where `mask` (bool, broadcast against this tensor) is true, in
    /// row-major order, as a 1-D tensor (`torch.masked_select`; `x[mask]` as a subscript).
    public func maskedSelect(_ mask: Tensor) -> Tensor { dispatch(.maskedSelect, [self, mask]) }

    /// This tensor (broadcast with `mask`) with the positions where `mask` is true
    /// set, in row-major order, from the first elements of `source`
    /// (`torch.masked_scatter`), which must have at least as many elements.
    public func maskedScatter(_ mask: Tensor, source: Tensor) -> Tensor {
        dispatch(.maskedScatter, [self, mask, source])
    }
}
