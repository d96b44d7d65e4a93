/// gt, ge, eq, sign, one_hot, max_mask: masks for backward rules. Not differentiable.
extension BuiltinOps {
    static let comparisons: [OpDefinition] = [
        OpDefinition(name: "gt", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.binary(Greater.self), backward: nil),
        OpDefinition(name: "ge", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.binary(GreaterOrEqual.self), backward: nil),
        OpDefinition(name: "eq", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.binary(Equal.self), backward: nil),
        OpDefinition(name: "sign", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Sign.self), backward: nil),
        OpDefinition(name: "one_hot", inputs: ["indices"], attributes: [AttributeSpec("num_classes", .int)],
                     outputShape: oneHotShape, forward: oneHotKernels, backward: nil),
        OpDefinition(name: "max_mask", inputs: ["x"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: alongDim, forward: maxMaskKernels, backward: nil),
    ]

    static let oneHotShape = ShapeRule { ctx in
        let classes = ctx.attributes.int("num_classes")
        guard classes >= 0 else { throw ctx.error("num_classes >= 0, got \(classes)") }
        return ctx.shapes[0] + [classes]
    }

    static let oneHotKernels: [DType: Kernel] = [
        .float32: { ctx in try oneHot(ctx, Float.self) },
        .float64: { ctx in try oneHot(ctx, Double.self) },
    ]

    private static func oneHot<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) throws -> Tensor {
        let indices = ctx.inputs[0].contiguousData(), out = ctx.makeOutput()
        let classes = ctx.attributes.int("num_classes")
        let p = indices.pointer(T.self), o = out.pointer(T.self)
        o.update(repeating: 0, count: out.scalarCount)
        for i in 0..<indices.scalarCount {
            let v = p[i]
            guard v >= 0, v < T(classes), v == v.rounded() else {
                throw AutogradError(.kernel, "\(ctx.op): index \(v) at position \(i) is not a class in 0..<\(classes)")
            }
            o[i &* classes &+ Int(v)] = 1
        }
        return out
    }

    static let maxMaskKernels: [DType: Kernel] = [
        .float32: { ctx in maxMask(ctx, Float.self) },
        .float64: { ctx in maxMask(ctx, Double.self) },
    ]

    private static func maxMask<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) -> Tensor {
        let x = ctx.inputs[0], out = ctx.makeOutput()
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        if x.scalarCount > 0 {
            ReductionKernels.max(x, dim: x.rank == 0 ? 0 : dim, into: nil, mask: out, as: T.self)
        }
        return out
    }
}

enum Greater: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a > b ? 1 : 0 } }
enum GreaterOrEqual: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a >= b ? 1 : 0 } }
enum Equal: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a == b ? 1 : 0 } }
enum Sign: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : (x.isNaN ? x : 0)) }
}

/// 1 where `a > b`, else 0 (broadcasting).
public func greater(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.gt, [a, b]) }
/// 1 where `a >= b`, else 0 (broadcasting).
public func greaterOrEqual(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.ge, [a, b]) }
/// 1 where `a == b`, else 0 (broadcasting).
public func equal(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.eq, [a, b]) }
/// -1, 0 or 1 by the sign of each element.
public func sign(_ x: Tensor) -> Tensor { dispatch(.sign, [x]) }
/// Class indices (stored as floats) as one-hot rows of `numClasses`.
public func oneHot(_ indices: Tensor, numClasses: Int) -> Tensor {
    dispatch(.oneHot, [indices], ["num_classes": .int(numClasses)])
}
