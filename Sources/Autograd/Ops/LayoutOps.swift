/// flatten, diagonal (views), flip, roll, pad, repeat, tril, triu (copies):
/// rearranging elements without arithmetic, for every dtype.
extension OpHandle {
    static let flatten = OpHandle("flatten")
    static let diagonal = OpHandle("diagonal")
    static let flip = OpHandle("flip")
    static let roll = OpHandle("roll")
    static let pad = OpHandle("pad")
    static let `repeat` = OpHandle("repeat")
    static let tril = OpHandle("tril")
    static let triu = OpHandle("triu")
}

extension BuiltinOps {
    static let layoutOps: [OpDefinition] = [
        OpDefinition(name: "flatten", inputs: ["x"],
                     attributes: [AttributeSpec("start_dim", .int, default: 0), AttributeSpec("end_dim", .int, default: -1)],
                     outputShape: flattenedShape, forward: .composite(dtypes: DType.allCases, flattenView), saves: [],
                     gradFnName: "ViewBackward0", jvp: .linear) { ctx in
            [ctx.gradOutput.reshaped(ctx.inputShapes[0])]
        },
        OpDefinition(name: "diagonal", inputs: ["x"],
                     attributes: [AttributeSpec("offset", .int, default: 0), AttributeSpec("dim1", .int, default: 0),
                                  AttributeSpec("dim2", .int, default: 1)],
                     outputShape: ShapeRule { ctx in try DiagonalGeometry(ctx).shape },
                     forward: .composite(dtypes: DType.allCases, diagonalView), saves: [], jvp: .linear) { ctx in
            // The adjoint of reading the diagonal: writing it into zeros (differentiable again: its
            // gradient reads the diagonal back).
            let g = ctx.gradOutput, shape = ctx.inputShapes[0]
            let contiguous = Shape.contiguousStrides(shape)
            let geometry = try DiagonalGeometry(shape: shape, strides: contiguous, ctx.attributes)
            return [try EngineOps.asStridedScatter.call([Tensor.zeros(shape, dtype: g.dtype), g], attributes: [
                "size": .ints(geometry.shape), "stride": .ints(geometry.strides), "storage_offset": .int(geometry.offset),
                "base_stride": .ints(contiguous), "base_offset": 0,
            ])]
        },
        OpDefinition(name: "flip", inputs: ["x"], attributes: [AttributeSpec("dims", .ints)],
                     outputShape: ShapeRule { ctx in
                         _ = try resolvedDims(ctx.attributes.ints("dims")!, rank: ctx.shapes[0].count, context: ctx)
                         return ctx.shapes[0]
                     },
                     forward: .anyDType(FlipKernel.self), saves: [], jvp: .linear) { ctx in
            [ctx.gradOutput.flipped(dims: ctx.attributes.ints("dims")!)]
        },
        OpDefinition(name: "roll", inputs: ["x"], attributes: [AttributeSpec("shifts", .ints), AttributeSpec("dims", .ints, default: [])],
                     outputShape: ShapeRule { ctx in
                         _ = try rollShifts(ctx.attributes, shape: ctx.shapes[0], context: ctx)
                         return ctx.shapes[0]
                     },
                     forward: .anyDType(RollKernel.self), saves: [], jvp: .linear) { ctx in
            // Back by the reduced shifts: negating a given one could overflow (Int.min).
            let shifts = try rollShifts(ctx.attributes, shape: ctx.inputShapes[0])
            if let flat = shifts.flattened { return [ctx.gradOutput.rolled(shifts: [-flat], dims: [])] }
            let dims = shifts.perDim.keys.sorted()
            if dims.isEmpty { return [ctx.gradOutput] }
            return [ctx.gradOutput.rolled(shifts: dims.map { -shifts.perDim[$0]! }, dims: dims)]
        },
        OpDefinition(name: "pad", inputs: ["x"],
                     attributes: [AttributeSpec("pad", .ints), AttributeSpec("mode", .oneOf("constant"), default: "constant"),
                                  AttributeSpec("value", .double, default: 0.0)],
                     outputShape: ShapeRule { ctx in try padWidths(ctx.attributes.ints("pad")!, shape: ctx.shapes[0], context: ctx).shape },
                     forward: .anyDType(PadKernel.self), saves: [], gradFnName: "ConstantPadNdBackward0",
                     // The fill value is a constant: tangents and gradients see zeros there.
                     jvp: .rule { ctx in [ctx.tangent(0).padded(ctx.attributes.ints("pad")!)] }) { ctx in
            // Padding by the negated widths crops what was added and puts zeros where x was cropped.
            [ctx.gradOutput.padded(ctx.attributes.ints("pad")!.map { -$0 })]
        },
        OpDefinition(name: "repeat", inputs: ["x"], attributes: [AttributeSpec("repeats", .ints)],
                     outputShape: ShapeRule { ctx in try repeatedShape(ctx.attributes.ints("repeats")!, shape: ctx.shapes[0], context: ctx) },
                     forward: .anyDType(RepeatKernel.self), saves: [], jvp: .linear) { ctx in
            // Each output dim of size r·s reads as [r, s]: summing over the r axes folds the copies back.
            let shape = ctx.inputShapes[0], repeats = ctx.attributes.ints("repeats")!
            let padded = Array(repeating: 1, count: repeats.count - shape.count) + shape
            let split = zip(repeats, padded).flatMap { [$0, $1] }
            let summed = ctx.gradOutput.reshaped(split).sum(dims: Array(stride(from: 0, to: split.count, by: 2)))
            return [summed.reshaped(shape)]
        },
        triangle("tril"),
        triangle("triu"),
    ]

    private static func triangle(_ name: String) -> OpDefinition {
        OpDefinition(name: name, inputs: ["x"], attributes: [AttributeSpec("diagonal", .int, default: 0)],
                     outputShape: ShapeRule { ctx in
                         guard ctx.shapes[0].count >= 2 else { throw ctx.error("a tensor of at least 2 dims") }
                         return ctx.shapes[0]
                     },
                     forward: name == "tril" ? .anyDType(LowerTriangleKernel.self) : .anyDType(UpperTriangleKernel.self),
                     saves: [], jvp: .linear) { ctx in
            let diagonal = ctx.attributes.int("diagonal")
            return [name == "tril" ? ctx.gradOutput.tril(diagonal: diagonal) : ctx.gradOutput.triu(diagonal: diagonal)]
        }
    }

    /// Distinct dims resolved against `rank`, in the given order, or an error naming `attribute`.
    static func resolvedDims(_ dims: [Int], rank: Int, context: ShapeContext? = nil, attribute: String = "dims") throws -> [Int] {
        var resolved: [Int] = []
        for d in dims {
            guard let n = Shape.normalize(dim: d, rank: rank) else {
                let r = Swift.max(rank, 1)
                throw context?.error("\(attribute) in [\(-r), \(r - 1)], got \(d)")
                    ?? AutogradError(.shape, "\(attribute): dim \(d) out of range for rank \(rank)")
            }
            guard !resolved.contains(n) else {
                throw context?.error("each dim at most once in \(attribute), got \(Shape.describe(dims))")
                    ?? AutogradError(.shape, "\(attribute): dim \(d) repeated")
            }
            resolved.append(n)
        }
        return rank == 0 ? [] : resolved
    }

    // MARK: flatten

    /// The first and last dims `flatten` merges.
    static func flattenRange(_ attributes: Attributes, rank: Int, context: ShapeContext? = nil) throws -> ClosedRange<Int> {
        let dims = try resolvedDims([attributes.int("start_dim")], rank: rank, context: context, attribute: "start_dim")
            + resolvedDims([attributes.int("end_dim")], rank: rank, context: context, attribute: "end_dim")
        guard rank > 0 else { return 0...0 }
        guard dims[0] <= dims[1] else {
            throw context?.error("start_dim <= end_dim, got start_dim \(dims[0]) and end_dim \(dims[1])")
                ?? AutogradError(.shape, "flatten: start_dim \(dims[0]) comes after end_dim \(dims[1])")
        }
        return dims[0]...dims[1]
    }

    static let flattenedShape = ShapeRule { ctx in
        let shape = ctx.shapes[0]
        let range = try flattenRange(ctx.attributes, rank: shape.count, context: ctx)
        if shape.isEmpty { return [1] }
        return Array(shape[..<range.lowerBound]) + [Shape.count(Array(shape[range]))] + shape[(range.upperBound + 1)...]
    }

    /// A view when the merged dims are laid out as one (always, for contiguous data), else a copy.
    private static func flattenView(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0]
        let range = try flattenRange(ctx.attributes, rank: x.rank)
        guard x.rank > 0 else { return Tensor(storage: x.storage, shape: [1], strides: [1], offset: x.offset, dtype: x.dtype) }
        // Dims of size 1 take no part in the layout; the others must step by the size of what follows.
        let laidOut = range.filter { x.shape[$0] != 1 }
        let mergeable = x.scalarCount == 0
            || zip(laidOut, laidOut.dropFirst()).allSatisfy { x.strides[$0] == x.strides[$1] * x.shape[$1] }
        guard mergeable else {
            let copy = x.clonedData()
            return Tensor(storage: copy.storage, shape: ctx.outputShape, strides: Shape.contiguousStrides(ctx.outputShape),
                          dtype: x.dtype)
        }
        let merged = laidOut.last.map { x.strides[$0] } ?? 1
        let strides = Array(x.strides[..<range.lowerBound]) + [merged] + x.strides[(range.upperBound + 1)...]
        return Tensor(storage: x.storage, shape: ctx.outputShape, strides: strides, offset: x.offset, dtype: x.dtype)
    }

    // MARK: diagonal

    private static func diagonalView(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0]
        let geometry = try DiagonalGeometry(shape: x.shape, strides: x.strides, ctx.attributes)
        return Tensor(storage: x.storage, shape: geometry.shape, strides: geometry.strides, offset: x.offset + geometry.offset,
                      dtype: x.dtype)
    }

    // MARK: roll

    /// How `roll` moves elements: one shift of the flattened tensor (no dims), or a
    /// shift per dim (summed when a dim repeats); each reduced modulo its size, so
    /// that huge shifts neither overflow nor loop.
    struct RollShifts {
        var flattened: Int?
        var perDim: [Int: Int] = [:]
    }

    static func rollShifts(_ attributes: Attributes, shape: [Int], context: ShapeContext? = nil) throws -> RollShifts {
        let shifts = attributes.ints("shifts")!, dims = attributes.ints("dims")!
        if dims.isEmpty {
            guard shifts.count == 1 else {
                throw context?.error("one shift when dims is empty (the flattened tensor rolls), got shifts \(Shape.describe(shifts))")
                    ?? AutogradError(.shape, "roll: one shift expected without dims")
            }
            let count = Shape.count(shape)
            return RollShifts(flattened: count == 0 ? 0 : shifts[0] % count)
        }
        guard shifts.count == dims.count else {
            throw context?.error("as many shifts as dims, got shifts \(Shape.describe(shifts)) and dims \(Shape.describe(dims))")
                ?? AutogradError(.shape, "roll: shifts and dims differ in length")
        }
        var result = RollShifts()
        for (shift, dim) in zip(shifts, dims) {
            let d = try resolvedDims([dim], rank: shape.count, context: context).first ?? 0
            let n = shape.isEmpty ? 1 : shape[d]
            guard n > 0 else { continue }
            result.perDim[d] = (result.perDim[d, default: 0] + shift % n) % n
        }
        return result
    }

    // MARK: pad

    /// PyTorch's flat `pad` list (last dim first, before/after pairs) as widths per dim,
    /// with the padded shape.
    static func padWidths(_ pad: [Int], shape: [Int], context: ShapeContext? = nil)
        throws -> (widths: [(before: Int, after: Int)], shape: [Int])
    {
        guard pad.count % 2 == 0, pad.count / 2 <= shape.count else {
            throw context?.error("an even pad length of at most twice the rank \(shape.count), got pad \(Shape.describe(pad))")
                ?? AutogradError(.shape, "pad: pad \(Shape.describe(pad)) does not fit rank \(shape.count)")
        }
        var widths = shape.map { _ in (before: 0, after: 0) }
        var padded = shape
        for pair in 0..<(pad.count / 2) {
            let d = shape.count - 1 - pair
            widths[d] = (pad[2 * pair], pad[2 * pair + 1])
            let (partial, overflow1) = shape[d].addingReportingOverflow(pad[2 * pair])
            let (size, overflow2) = partial.addingReportingOverflow(pad[2 * pair + 1])
            guard !overflow1, !overflow2 else {
                throw context?.error("pads that keep dim \(d)'s size within Int, got pad \(Shape.describe(pad))")
                    ?? AutogradError(.shape, "pad: dim \(d)'s size overflows")
            }
            padded[d] = size
            guard padded[d] >= 0 else {
                throw context?.error("""
                    pads that leave dim \(d) of size \(shape[d]) a size >= 0, got before \(pad[2 * pair]) and \
                    after \(pad[2 * pair + 1])
                    """) ?? AutogradError(.shape, "pad: negative size for dim \(d)")
            }
        }
        return (widths, padded)
    }

    // MARK: repeat

    static func repeatedShape(_ repeats: [Int], shape: [Int], context: ShapeContext? = nil) throws -> [Int] {
        guard repeats.count >= shape.count, repeats.allSatisfy({ $0 >= 0 }) else {
            throw context?.error("""
                at least one repeat count per dim (\(shape.count)), each >= 0, got repeats \(Shape.describe(repeats))
                """) ?? AutogradError(.shape, "repeat: repeats \(Shape.describe(repeats)) do not fit rank \(shape.count)")
        }
        let padded = Array(repeating: 1, count: repeats.count - shape.count) + shape
        return try zip(repeats, padded).map { count, size in
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw context?.error("repeats whose sizes fit in an Int, got repeats \(Shape.describe(repeats)) for shape \(Shape.describe(shape))")
                    ?? AutogradError(.shape, "repeat: repeats \(Shape.describe(repeats)) overflow shape \(Shape.describe(shape))")
            }
            return product
        }
    }
}

/// Where `diagonal` reads: the dims other than dim1 and dim2, then the diagonal.
struct DiagonalGeometry {
    let shape: [Int]
    let strides: [Int]
    /// Elements from the input's first element to the diagonal's.
    let offset: Int

    init(_ ctx: ShapeContext) throws {
        let rank = ctx.shapes[0].count
        guard rank >= 2 else { throw ctx.error("a tensor of at least 2 dims") }
        let dims = try BuiltinOps.resolvedDims([ctx.attributes.int("dim1")], rank: rank, context: ctx, attribute: "dim1")
            + BuiltinOps.resolvedDims([ctx.attributes.int("dim2")], rank: rank, context: ctx, attribute: "dim2")
        guard dims[0] != dims[1] else { throw ctx.error("two different dims, got dim1 and dim2 both \(dims[0])") }
        try self.init(shape: ctx.shapes[0], strides: Shape.contiguousStrides(ctx.shapes[0]), ctx.attributes)
    }

    init(shape: [Int], strides: [Int], _ attributes: Attributes) throws {
        guard let d1 = Shape.normalize(dim: attributes.int("dim1"), rank: shape.count),
              let d2 = Shape.normalize(dim: attributes.int("dim2"), rank: shape.count), d1 != d2, shape.count >= 2 else {
            throw AutogradError(.shape, "diagonal: dim1 and dim2 must name two different dims of shape \(Shape.describe(shape))")
        }
        let k = attributes.int("offset")
        let length = Swift.max(0, k >= 0 ? Swift.min(shape[d1], shape[d2] - k) : Swift.min(shape[d1] + k, shape[d2]))
        let others = shape.indices.filter { $0 != d1 && $0 != d2 }
        self.shape = others.map { shape[$0] } + [length]
        self.strides = others.map { strides[$0] } + [strides[d1] + strides[d2]]
        offset = length == 0 ? 0 : k >= 0 ? k * strides[d2] : -k * strides[d1]
    }
}

enum FlipKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.resolvedDims(ctx.attributes.ints("dims")!, rank: x.rank)
        StridedLoops.copy(from: LayoutKernels.reversedView(x, dims: dims), into: out)
        return out
    }
}

enum RollKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        var x = ctx.inputs[0], target = out
        let shifts = try BuiltinOps.rollShifts(ctx.attributes, shape: x.shape)
        if shifts.flattened != nil {
            // No dims: the flattened tensor rolls.
            x = x.contiguousData()
            x = Tensor(storage: x.storage, shape: [x.scalarCount], strides: [1], offset: x.offset, dtype: x.dtype)
            target = Tensor(storage: out.storage, shape: [out.scalarCount], strides: [1], dtype: out.dtype)
        }
        let tables = x.shape.indices.map { d -> [Int] in
            let n = x.shape[d], given = shifts.flattened ?? shifts.perDim[d] ?? 0
            // Reduced first, so that a shift near Int.min cannot overflow `i - shift`.
            let shift = n == 0 ? 0 : given % n
            // Output index i reads input index i - shift, wrapped.
            return (0..<n).map { i in (((i - shift) % n + n) % n) * x.strides[d] }
        }
        LayoutKernels.gather(x, offsets: tables, into: target, as: T.self)
        return out
    }
}

enum PadKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let widths = try BuiltinOps.padWidths(ctx.attributes.ints("pad")!, shape: x.shape).widths
        LayoutKernels.pad(x, widths: widths, value: ctx.attributes.double("value"), into: out)
        return out
    }
}

enum RepeatKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let lead = out.rank - x.rank
        let tables = out.shape.indices.map { d -> [Int] in
            // New leading dims read the whole of x again; the others wrap around x's size.
            guard d >= lead else { return [Int](repeating: 0, count: out.shape[d]) }
            let n = x.shape[d - lead], stride = x.strides[d - lead]
            return (0..<out.shape[d]).map { ($0 % n) * stride }
        }
        LayoutKernels.gather(x, offsets: tables, into: out, as: T.self)
        return out
    }
}

enum LowerTriangleKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        LayoutKernels.triangle(ctx.inputs[0].contiguousData(), lower: true, diagonal: ctx.attributes.int("diagonal"),
                               into: out, as: T.self)
        return out
    }
}

enum UpperTriangleKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        LayoutKernels.triangle(ctx.inputs[0].contiguousData(), lower: false, diagonal: ctx.attributes.int("diagonal"),
                               into: out, as: T.self)
        return out
    }
}

extension Tensor {
    /// Dims `startDim` through `endDim` merged into one (`torch.flatten`); a 0-d
    /// tensor becomes 1-D. A view when the merged dims are laid out as one (always
    /// for contiguous data), a copy otherwise.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3, 4]).flattened(startDim: 1).shape   // [2, 12]
    /// ```
    public func flattened(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        dispatch(.flatten, [self], ["start_dim": .int(startDim), "end_dim": .int(endDim)])
    }

    /// A copy with the order of elements reversed along `dims` (`torch.flip`).
    public func flipped(dims: [Int]) -> Tensor { dispatch(.flip, [self], ["dims": .ints(dims)]) }

    /// A copy with elements shifted by `shifts[i]` along `dims[i]`, wrapping around
    /// (`torch.roll`); with no dims, the flattened tensor shifts by the one shift.
    public func rolled(shifts: [Int], dims: [Int] = []) -> Tensor {
        dispatch(.roll, [self], ["shifts": .ints(shifts), "dims": .ints(dims)])
    }

    /// A copy with `value` added around the edges (`torch.nn.functional.pad`, constant mode).
    ///
    /// `pad` is PyTorch's list: (before, after) pairs starting from the LAST dim, so
    /// `[1, 2]` adds one column on the left and two on the right, and `[1, 1, 0, 2]`
    /// also adds two rows at the bottom. Negative widths crop.
    public func padded(_ pad: [Int], value: Double = 0) -> Tensor {
        dispatch(.pad, [self], ["pad": .ints(pad), "value": .double(value)])
    }

    /// This tensor repeated `repetitions[i]` times along dim `i` (PyTorch's
    /// `x.repeat`, NumPy's `tile`); extra leading counts add leading dims.
    ///
    /// ```swift
    /// Tensor([1, 2]).tiled([2, 2])   // [[1, 2, 1, 2], [1, 2, 1, 2]]
    /// ```
    public func tiled(_ repetitions: [Int]) -> Tensor { dispatch(.repeat, [self], ["repeats": .ints(repetitions)]) }

    /// The lower triangle of the matrices in the last two dims, zeros above
    /// (`torch.tril`); `diagonal` > 0 keeps that many diagonals above the main one.
    public func tril(diagonal: Int = 0) -> Tensor { dispatch(.tril, [self], ["diagonal": .int(diagonal)]) }

    /// The upper triangle of the matrices in the last two dims, zeros below
    /// (`torch.triu`); `diagonal` < 0 keeps that many diagonals below the main one.
    public func triu(diagonal: Int = 0) -> Tensor { dispatch(.triu, [self], ["diagonal": .int(diagonal)]) }

    /// A view of the diagonal of the matrices in dims `dim1` and `dim2`, appended as
    /// the last dim (`torch.diagonal`); `offset` > 0 reads above the main diagonal.
    public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1) -> Tensor {
        dispatch(.diagonal, [self], ["offset": .int(offset), "dim1": .int(dim1), "dim2": .int(dim2)])
    }
}

/// `x` with dims `startDim` through `endDim` merged (see `Tensor.flattened(startDim:endDim:)`).
public func flattened(_ x: Tensor, startDim: Int = 0, endDim: Int = -1) -> Tensor {
    x.flattened(startDim: startDim, endDim: endDim)
}

/// `x` padded with `value`, PyTorch's `pad` order (see `Tensor.padded(_:value:)`).
public func padded(_ x: Tensor, _ pad: [Int], value: Double = 0) -> Tensor { x.padded(pad, value: value) }

/// `x` repeated along each dim (see `Tensor.tiled(_:)`).
public func tiled(_ x: Tensor, _ repetitions: [Int]) -> Tensor { x.tiled(repetitions) }

/// The lower triangle of `x` (see `Tensor.tril(diagonal:)`).
public func tril(_ x: Tensor, diagonal: Int = 0) -> Tensor { x.tril(diagonal: diagonal) }

/// The upper triangle of `x` (see `Tensor.triu(diagonal:)`).
public func triu(_ x: Tensor, diagonal: Int = 0) -> Tensor { x.triu(diagonal: diagonal) }

/// The diagonal of `x` (see `Tensor.diagonal(offset:dim1:dim2:)`).
public func diagonal(_ x: Tensor, offset: Int = 0, dim1: Int = 0, dim2: Int = 1) -> Tensor {
    x.diagonal(offset: offset, dim1: dim1, dim2: dim2)
}
