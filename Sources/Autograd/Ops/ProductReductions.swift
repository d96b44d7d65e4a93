/// prod, cumprod and cumsum: products and running totals. Their gradients handle
/// zeros in the input exactly (no division by them), as PyTorch's do.
extension OpHandle {
    static let prod = OpHandle("prod")
    static let cumsum = OpHandle("cumsum")
    static let cumprod = OpHandle("cumprod")
}

extension BuiltinOps {
    static let productReductions: [OpDefinition] = [prodDefinition, cumsumDefinition, cumprodDefinition]

    private static let prodRules = reductionRules(dims: { try optionalDim($0, rank: $1) }) { ctx in
        try productOfOthers(ctx.inputs[0], dim: ctx.attributes.optionalInt("dim"), product: ctx.outputs[0])
    }

    static let prodDefinition = OpDefinition(
        name: "prod", inputs: ["x"], attributes: [AttributeSpec("dim", .int, default: nil), AttributeSpec("keepdim", .bool, default: false)],
        outputShape: ShapeRule { ctx in
            let shape = ctx.shapes[0]
            let dims = try optionalDim(ctx.attributes, rank: shape.count, context: ctx)
            let keep = ctx.attributes.bool("keepdim")
            return shape.indices.compactMap { dims.contains($0) ? (keep ? 1 : nil) : shape[$0] }
        },
        forward: .numeric(ProductKernel.self), saves: [.inputs, .output], jvp: prodRules.jvp, backward: prodRules.backward)

    static let cumsumDefinition = OpDefinition(
        name: "cumsum", inputs: ["x"], attributes: [AttributeSpec("dim", .int)], outputShape: scanShape,
        forward: .numeric(CumulativeKernel<Add>.self), saves: [], jvp: .linear
    ) { ctx in
        // Each element counts in every total from its position on: a running total from the end.
        [ctx.gradOutput.reversedCumulativeSum(dim: ctx.attributes.int("dim"))]
    }

    static let cumprodDefinition = OpDefinition(
        name: "cumprod", inputs: ["x"], attributes: [AttributeSpec("dim", .int)], outputShape: scanShape,
        forward: .numeric(CumulativeKernel<Mul>.self), saves: [.inputs, .output],
        jvp: .rule { ctx in
            let (x, y, t, dim) = (ctx.inputs[0], ctx.output, ctx.tangent(0), ctx.attributes.int("dim"))
            guard x.rank > 0 else { return [t] }
            // y_k' = Σ_{i≤k} t_i ∏_{j≤k, j≠i} x_j: y · cumsum(t / x) up to the first zero; past it
            // only the zero's own term survives, t_z times the product without x_z.
            guard x.containsZero else { return [y * (t / x).cumulativeSum(dim: dim)] }
            let zeros = ZeroPositions(x, dim: dim)
            let beforeZero = y * (t / which(zeros.before, x, 1)).cumulativeSum(dim: dim)
            let atZero = which(zeros.first, t, 0).sum(dims: [dim], keepdim: true) * zeros.productWithoutFirst(x, dim: dim)
            return [which(zeros.before, beforeZero, atZero)]
        }
    ) { ctx in
        let (x, y, g, dim) = (ctx.inputs[0], ctx.output, ctx.gradOutput, ctx.attributes.int("dim"))
        guard x.rank > 0 else { return [g] }
        // ∂L/∂x_i = Σ_{k≥i} g_k ∏_{j≤k, j≠i} x_j: (reverse cumsum of g·y) / x_i before the first zero;
        // at it, the same sum over the products without it; past it, zero.
        guard x.containsZero else { return [(g * y).reversedCumulativeSum(dim: dim) / x] }
        let zeros = ZeroPositions(x, dim: dim)
        let beforeZero = (g * y).reversedCumulativeSum(dim: dim) / which(zeros.before, x, 1)
        let atZero = (g * zeros.productWithoutFirst(x, dim: dim)).reversedCumulativeSum(dim: dim)
        return [which(zeros.before, beforeZero, which(zeros.first, atZero, 0))]
    }

    static let scanShape = ShapeRule { ctx in
        _ = try ctx.dim(ctx.attributes.int("dim"))
        return ctx.shapes[0]
    }

    /// ∂prod/∂x_i, the product of the other elements along `dim` (all when nil):
    /// `product / x` when no element is zero, else products from both sides, which
    /// need no division (PyTorch's `prod_safe_zeros_backward`).
    static func productOfOthers(_ x: Tensor, dim: Int?, product: Tensor) throws -> Tensor {
        guard x.rank > 0 else { return Tensor.ones(like: x) }
        guard x.containsZero else { return product / x }
        guard let dim else { return try productOfOthers(x.flattened(), dim: 0, product: product).reshaped(x.shape) }
        let d = try resolvedDims([dim], rank: x.rank, attribute: "dim")[0]
        // Shifted one place along d, 1 entering: the product of the elements before each one.
        var shift = [Int](repeating: 0, count: 2 * (x.rank - d))
        shift[2 * (x.rank - 1 - d)] = 1
        shift[2 * (x.rank - 1 - d) + 1] = -1
        let before = x.padded(shift, value: 1).cumulativeProduct(dim: d)
        let after = x.flipped(dims: [d]).padded(shift, value: 1).cumulativeProduct(dim: d).flipped(dims: [d])
        return before * after
    }
}

/// Where the zeros of x lie along a dim, for the gradients of cumprod.
private struct ZeroPositions {
    /// No zero at or before this position.
    let before: Tensor
    /// The first zero.
    let first: Tensor

    init(_ x: Tensor, dim: Int) {
        let isZero = x .== 0
        let count = isZero.cumulativeSum(dim: dim)
        before = count .== 0
        first = logicalAnd(isZero, count .== 1)
    }

    /// The running product with the first zero replaced by 1.
    func productWithoutFirst(_ x: Tensor, dim: Int) -> Tensor { which(first, 1, x).cumulativeProduct(dim: dim) }
}

enum ProductKernel: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.optionalDim(ctx.attributes, rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: dims), ProductReduction<T>(output: out.pointer(T.self)))
        return out
    }
}

enum CumulativeKernel<F: NumericBinaryFunction>: NumericKernel {
    static func run<T: TensorNumeric>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dim = try BuiltinOps.resolvedDims([ctx.attributes.int("dim")], rank: x.rank, attribute: "dim").first ?? 0
        ScanKernels.scan(x, dim: dim, into: out, F.self, as: T.self)
        return out
    }
}

extension Tensor {
    /// Whether any element is zero (read without recording).
    var containsZero: Bool { withNoGrad { (self .== 0).sum().item() > 0 } }

    /// Running totals from the end along `dim`: the adjoint of `cumulativeSum`.
    func reversedCumulativeSum(dim: Int) -> Tensor {
        flipped(dims: [dim]).cumulativeSum(dim: dim).flipped(dims: [dim])
    }

    /// The product of the elements along `dim`, or of all elements when nil (`torch.prod`).
    /// Zeros in the input have exact gradients.
    public func prod(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.prod, [self], ["dim": dim.map(AttributeValue.int) ?? nil, "keepdim": .bool(keepdim)])
    }

    /// The running sum along `dim` (`torch.cumsum`): element k is the sum of elements 0...k.
    public func cumulativeSum(dim: Int) -> Tensor { dispatch(.cumsum, [self], ["dim": .int(dim)]) }

    /// The running product along `dim` (`torch.cumprod`): element k is the product of
    /// elements 0...k. Zeros in the input have exact gradients.
    public func cumulativeProduct(dim: Int) -> Tensor { dispatch(.cumprod, [self], ["dim": .int(dim)]) }
}

/// The running sum of `x` along `dim` (see `Tensor.cumulativeSum(dim:)`).
public func cumulativeSum(_ x: Tensor, dim: Int) -> Tensor { x.cumulativeSum(dim: dim) }

/// The running product of `x` along `dim` (see `Tensor.cumulativeProduct(dim:)`).
public func cumulativeProduct(_ x: Tensor, dim: Int) -> Tensor { x.cumulativeProduct(dim: dim) }
