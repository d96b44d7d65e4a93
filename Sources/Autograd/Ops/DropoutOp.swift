/// dropout: in training, each element zeroed with probability `p` and the rest scaled
/// by `1 / (1 − p)`; the identity otherwise. The mask is a constant the product saves,
/// so the op is a decomposition (`input * mask`) whose gradient is `g * mask`, to any
/// order.
///
/// The mask is drawn from a generator seeded by the `seed` attribute when given (the
/// Swift API's `using:` draws that seed from the caller's generator), else by a seed
/// drawn from the default generator: calls with a seed are repeatable.
extension OpHandle {
    static let dropout = OpHandle("dropout")
}

extension BuiltinOps {
    static let dropouts: [OpDefinition] = [
        OpDefinition(
            name: "dropout", inputs: ["input"],
            attributes: [AttributeSpec("p", .double, default: 0.5), AttributeSpec("training", .bool, default: true),
                         AttributeSpec("seed", .int, default: nil)],
            outputShape: ShapeRule { ctx in
                let p = ctx.attributes.double("p")
                guard (0...1).contains(p) else {
                    throw AutogradError(.attribute, "\(ctx.op): dropout probability has to be between 0 and 1, but got \(p)")
                }
                return ctx.shapes[0]
            },
            forward: .decomposition { ctx in
                let x = ctx.inputs[0], p = ctx.attributes.double("p")
                guard ctx.attributes.bool("training"), p > 0, x.scalarCount > 0 else { return x }
                if p == 1 { return x * 0.0 }
                var generator = RandomGenerator(seed: ctx.attributes.optionalInt("seed").map { UInt64(bitPattern: Int64($0)) }
                    ?? RandomGenerator.withDefault { $0.next() })
                return x * dropoutMask(like: x, p: p, using: &generator)
            }),
    ]

    /// `1 / (1 − p)` with probability `1 − p`, else 0, per element of x's shape and dtype.
    static func dropoutMask(like x: Tensor, p: Double, using generator: inout RandomGenerator) -> Tensor {
        let mask = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        func fill<T: TensorScalar>(_: T.Type) {
            let m = mask.pointer(T.self), scale = T(1 / (1 - p))
            for i in 0..<mask.scalarCount { m[i] = generator.nextUniform() < p ? 0 : scale }
        }
        if x.dtype == .float32 { fill(Float.self) } else { fill(Double.self) }
        return mask
    }
}

/// Zeroes each element with probability `p` and scales the rest by `1 / (1 − p)` when
/// `training`; returns `input` otherwise (`torch.nn.functional.dropout`). The mask
/// comes from the default generator (see `manualSeed(_:)`).
public func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true) -> Tensor {
    dispatch(.dropout, [input], ["p": .double(p), "training": .bool(training)])
}

/// `dropout(_:p:training:)` with the mask drawn from `generator`: one draw from it
/// seeds the mask (none when nothing is dropped), so the same generator state gives
/// the same mask.
public func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true, using generator: inout RandomGenerator) -> Tensor {
    let drawsMask = training && p > 0 && p < 1
    let seed: AttributeValue = drawsMask ? .int(Int(Int64(bitPattern: generator.next()))) : .absent
    return dispatch(.dropout, [input], ["p": .double(p), "training": .bool(training), "seed": seed])
}
