/// What the losses computed element by element share (l1, smooth l1, huber,
/// kl_div, the binary cross-entropies): one shape rule, one reducing kernel loop,
/// and backward and forward rules derived from the per-element partial derivatives,
/// so each loss writes its formula and its derivative once.
///
/// The loss of element `i` depends on `input[i]`, `target[i]` and optional weights
/// broadcast to the loss's shape; the reduction is PyTorch's `reduction`: `"mean"`
/// (the sum divided by the element count), `"sum"`, `"none"` (one loss per element),
/// and for `kl_div` also `"batchmean"` (the sum divided by the size of dim 0).
enum PointwiseLoss {
    /// The per-element partial derivatives of a loss, one per input (nil for an input
    /// without one), written with tensor ops so that they differentiate again.
    typealias Partials = @Sendable (_ inputs: OpInputs, _ attributes: Attributes) -> [Tensor?]

    /// A pointwise loss op: its kernel computes and reduces the per-element losses;
    /// `partials` gives both its backward rule and its forward-mode rule.
    ///
    /// - Parameters:
    ///   - name: the op's registry name.
    ///   - inputs: the op's inputs.
    ///   - attributes: the op's attributes (its `reduction`, ...).
    ///   - sameShape: whether input and target must have one shape (the binary
    ///     cross-entropies), rather than broadcast together (with PyTorch's warning
    ///     there, which has no counterpart here).
    ///   - check: throws for attribute values the loss refuses.
    ///   - forward: the kernels computing and reducing the per-element losses.
    ///   - reference: the op's reference expression, if it has one.
    ///   - partials: the per-element partial derivatives, one per input.
    static func definition(
        _ name: String, inputs: [OpInput], attributes: [AttributeSpec], sameShape: Bool = false,
        check: (@Sendable (ShapeContext) throws -> Void)? = nil,
        forward: ForwardKernels, reference: String?, partials: @escaping Partials
    ) -> OpDefinition {
        OpDefinition(
            name: name, inputs: inputs, attributes: attributes, outputShape: shapeRule(sameShape: sameShape, check: check),
            forward: forward, reference: reference,
            jvp: .rule { ctx in
                let derivatives = partials(ctx.inputs, ctx.attributes)
                var total: Tensor?
                for (i, tangent) in ctx.tangents.enumerated() {
                    guard let tangent, i < derivatives.count, let d = derivatives[i] else { continue }
                    let term = tangent * d
                    total = total.map { $0 + term } ?? term
                }
                guard let total else { return [nil] }
                let shape = lossShape(ctx.inputs)
                let perElement = total.shape == shape ? total : total.expanded(to: shape)
                return [reduced(perElement, attributes: ctx.attributes)]
            }
        ) { ctx in
            let derivatives = partials(ctx.inputs, ctx.attributes)
            var g = ctx.gradOutput
            if let divisor = divisor(ctx.attributes, shape: lossShape(ctx.inputs)) { g = g / divisor }
            return try ctx.needsInputGrad.indices.map { i in
                guard ctx.needsInputGrad[i], i < derivatives.count, let d = derivatives[i] else { return nil }
                return try (g * d).summed(toShape: ctx.inputShapes[i])
            }
        }
    }

    /// The shape the per-element losses have: input and target broadcast together.
    static func lossShape(_ inputs: OpInputs) -> [Int] {
        Shape.broadcast(inputs[0].shape, inputs[1].shape) ?? inputs[0].shape
    }

    /// Input and target of one shape (or broadcasting), weights broadcasting to it;
    /// a 0-d output unless the reduction is `"none"`. `check` validates attributes.
    static func shapeRule(sameShape: Bool, check: (@Sendable (ShapeContext) throws -> Void)?) -> ShapeRule {
        ShapeRule { ctx in
            try check?(ctx)
            let (input, target) = (ctx.shapes[0], ctx.shapes[1])
            let shape: [Int]
            if sameShape {
                guard input == target else { throw ctx.error("input and target of the same shape") }
                shape = input
            } else {
                guard let s = Shape.broadcast(input, target) else {
                    throw ctx.error("input and target of shapes that broadcast together")
                }
                shape = s
            }
            for i in 2..<ctx.shapes.count where ctx.isGiven(i) {
                guard Shape.broadcast(ctx.shapes[i], shape) == shape else {
                    throw ctx.error("\(ctx.inputNames[i]) broadcasting to the loss's shape \(Shape.describe(shape))")
                }
            }
            return ctx.attributes.string("reduction") == "none" ? shape : []
        }
    }

    /// What the sum of the per-element losses is divided by: the element count for
    /// `"mean"`, the size of dim 0 for `"batchmean"` (1 for a 0-d loss, as
    /// `F.kl_div`), 1 for `"sum"`; nil for `"none"`.
    static func divisor(_ attributes: Attributes, shape: [Int]) -> Double? {
        switch attributes.string("reduction") {
        case "none": nil
        case "sum": 1
        case "batchmean": Double(shape.first ?? 1)
        default: Double(Shape.count(shape))
        }
    }

    /// Per-element losses reduced as the `reduction` attribute says.
    static func reduced(_ losses: Tensor, attributes: Attributes) -> Tensor {
        guard let divisor = divisor(attributes, shape: losses.shape) else { return losses }
        return divisor == 1 ? losses.sum() : losses.sum() / divisor
    }

    /// The kernel's inputs, contiguous and broadcast to the loss's shape (nil for an
    /// omitted optional input): element `i` of each is element `i` of the loss.
    static func operands(_ ctx: KernelContext) -> [Tensor?] {
        let shape = Shape.broadcast(ctx.inputs[0].shape, ctx.inputs[1].shape) ?? ctx.inputs[0].shape
        return ctx.inputs.indices.map { i in
            guard let x = ctx.inputs.optional(i) else { return nil }
            return (x.shape == shape ? x : x.expanded(to: shape)).contiguousData()
        }
    }

    /// Writes the losses `loss(i)` of the `count` elements, or their reduction, into
    /// the op's output. Sums accumulate in double precision.
    @inline(__always)
    static func reduce<T: TensorScalar>(
        _ ctx: KernelContext, count: Int, as _: T.Type, _ loss: (Int) throws -> T
    ) throws -> Tensor {
        let out = try ctx.makeOutput()
        let o = out.pointer(T.self)
        let shape = Shape.broadcast(ctx.inputs[0].shape, ctx.inputs[1].shape) ?? ctx.inputs[0].shape
        guard let divisor = divisor(ctx.attributes, shape: shape) else {
            for i in 0..<count { o[i] = try loss(i) }
            return out
        }
        var total = 0.0
        for i in 0..<count { total += Double(try loss(i)) }
        o.pointee = T(total / divisor)
        return out
    }
}
