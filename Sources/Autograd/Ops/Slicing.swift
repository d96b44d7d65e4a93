/// slice, select and slice_backward: views of a range or one position of a dim.
extension OpHandle {
    static let slice = OpHandle("slice")
    static let select = OpHandle("select")
    static let sliceBackward = OpHandle("slice_backward")
}

extension BuiltinOps {
    static let sliceAttributes: [AttributeSpec] = [
        AttributeSpec("dim", .int, default: 0), AttributeSpec("start", .int, default: nil),
        AttributeSpec("end", .int, default: nil), AttributeSpec("step", .int, default: 1),
    ]

    static let slicing: [OpDefinition] = [
        // A view of any layout: the start moves the offset and the step multiplies the stride.
        OpDefinition(name: "slice", inputs: ["x"], attributes: sliceAttributes,
                     outputShape: ShapeRule { ctx in try SliceBounds(ctx.attributes, shape: ctx.shapes[0], op: ctx.op).shape },
                     forward: .composite(dtypes: DType.allCases, sliceView), saves: [], jvp: .linear) { ctx in
            [try ctx.gradOutput.sliceBackward(inputShape: ctx.inputShapes[0], attributes: ctx.attributes)]
        },
        OpDefinition(name: "select", inputs: ["x"], attributes: [AttributeSpec("dim", .int), AttributeSpec("index", .int)],
                     outputShape: ShapeRule { ctx in try SelectPosition(ctx.attributes, shape: ctx.shapes[0], op: ctx.op).shape },
                     forward: .composite(dtypes: DType.allCases, selectView), saves: [], jvp: .linear) { ctx in
            // The gradient is zeros with one slice set: slice_backward of the gradient
            // with the selected dim put back as size 1.
            let position = try SelectPosition(ctx.attributes, shape: ctx.inputShapes[0], op: ctx.op)
            let g = ctx.gradOutput.unsqueezed(dim: position.dim)
            return [try g.sliceBackward(inputShape: ctx.inputShapes[0], attributes: Attributes([
                "dim": .int(position.dim), "start": .int(position.index), "end": .int(position.index + 1), "step": .int(1),
            ]))]
        },
        // PyTorch's `aten::slice_backward`: zeros of `input_sizes` with the slice set
        // to `grad`. Linear, its own backward is the slice again.
        OpDefinition(name: "slice_backward", inputs: ["grad"],
                     attributes: [AttributeSpec("input_sizes", .ints)] + sliceAttributes,
                     outputShape: ShapeRule { ctx in
                         let sizes = ctx.attributes.ints("input_sizes")!
                         let bounds = try SliceBounds(ctx.attributes, shape: sizes, op: ctx.op)
                         guard ctx.shapes[0] == bounds.shape else {
                             throw ctx.error("grad of the slice's shape \(Shape.describe(bounds.shape))")
                         }
                         return sizes
                     },
                     forward: .anyDType(SliceBackwardKernel.self), saves: [], jvp: .linear) { ctx in
            var attributes = ctx.attributes.dictionary
            attributes["input_sizes"] = nil
            return [try OpHandle.slice.op().call([ctx.gradOutput], attributes: attributes)]
        },
    ]

    private static func sliceView(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0]
        let bounds = try SliceBounds(ctx.attributes, shape: x.shape, op: ctx.op)
        return bounds.window(ofStorage: x.storage, strides: x.strides, offset: x.offset, dtype: x.dtype)
    }

    private static func selectView(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0]
        let position = try SelectPosition(ctx.attributes, shape: x.shape, op: ctx.op)
        var strides = x.strides
        strides.remove(at: position.dim)
        return Tensor(storage: x.storage, shape: position.shape, strides: strides,
                      offset: x.offset + position.index * x.strides[position.dim], dtype: x.dtype)
    }
}

/// The resolved `dim`, `start`, `end` and `step` of a slice of `shape`, as
/// `aten::slice` resolves them: negative bounds count from the end, then bounds
/// clamp to the dim, and an end before the start gives an empty slice.
struct SliceBounds {
    let dim: Int
    let start: Int
    let step: Int
    let count: Int
    let shape: [Int]

    init(_ attributes: Attributes, shape input: [Int], op: String) throws {
        guard !input.isEmpty else {
            throw AutogradError(.shape, "\(op): a 0-d tensor cannot be sliced; it has no dim to slice")
        }
        let rawDim = attributes.int("dim")
        guard let dim = Shape.normalize(dim: rawDim, rank: input.count) else {
            throw AutogradError(.attribute, """
                \(op): dim \(rawDim) is out of range for a tensor of shape \(Shape.describe(input)) \
                (expected a dim in [\(-input.count), \(input.count - 1)])
                """)
        }
        let step = attributes.int("step")
        guard step > 0 else { throw AutogradError(.attribute, "\(op): step must be positive, got \(step)") }
        let size = input[dim]
        func resolve(_ bound: Int) -> Int {
            let b = bound < 0 ? bound + size : bound
            return Swift.min(Swift.max(b, 0), size)
        }
        let start = resolve(attributes.optionalInt("start") ?? 0)
        let end = Swift.max(resolve(attributes.optionalInt("end") ?? size), start)
        self.dim = dim
        self.start = start
        self.step = step
        // Not `(span + step - 1) / step`, which overflows for a huge step.
        let span = end - start
        count = span / step + (span % step == 0 ? 0 : 1)
        var shape = input
        shape[dim] = count
        self.shape = shape
    }

    /// The slice of a tensor laid out with `strides` from `offset` in `storage`.
    func window(ofStorage storage: TensorStorage, strides: [Int], offset: Int, dtype: DType) -> Tensor {
        var windowStrides = strides
        // With one element or none the step is never taken, and may be too large to multiply.
        windowStrides[dim] = count > 1 ? strides[dim] * step : strides[dim]
        return Tensor(storage: storage, shape: shape, strides: windowStrides, offset: offset + start * strides[dim],
                      dtype: dtype)
    }
}

/// The resolved `dim` and `index` of `select` on `shape`; an index outside the
/// dim is an error naming the dim, the index and the size.
struct SelectPosition {
    let dim: Int
    let index: Int
    let shape: [Int]

    init(_ attributes: Attributes, shape input: [Int], op: String) throws {
        let (rawDim, rawIndex) = (attributes.int("dim"), attributes.int("index"))
        guard !input.isEmpty else {
            throw AutogradError(.shape, "\(op): a 0-d tensor cannot be indexed; read its value with item()")
        }
        guard let dim = Shape.normalize(dim: rawDim, rank: input.count) else {
            throw AutogradError(.attribute, """
                \(op): dim \(rawDim) is out of range for a tensor of shape \(Shape.describe(input)) \
                (expected a dim in [\(-input.count), \(input.count - 1)])
                """)
        }
        let size = input[dim]
        let index = rawIndex < 0 ? rawIndex + size : rawIndex
        guard index >= 0 && index < size else {
            throw AutogradError(.attribute, """
                \(op): index \(rawIndex) is out of range for dim \(dim) of size \(size) (shape \(Shape.describe(input)))
                """)
        }
        self.dim = dim
        self.index = index
        var shape = input
        shape.remove(at: dim)
        self.shape = shape
    }
}

/// Zeros of the input's shape with the slice's window set to the gradient.
///
/// Block by block along the sliced dim: each block (one position of the dims
/// before it) is zeroed and written while it is in cache, so the output is
/// written once rather than zeroed in one pass and written again in another.
/// Large outputs are split across cores by blocks.
enum SliceBackwardKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        let bounds = try SliceBounds(ctx.attributes, shape: out.shape, op: ctx.op)
        let g = ctx.inputs[0].contiguousData()
        let (outer, size, inner) = ReductionKernels.split(out.shape, around: bounds.dim)
        let block = size &* inner, o = out.pointer(T.self), pg = g.pointer(T.self)
        guard block > 0 && outer > 0 else { return out }
        let (start, step, count) = (bounds.start, bounds.step, bounds.count)
        let fill = { (rows: Range<Int>) in
            for a in rows {
                let destination = o + a &* block, source = pg + a &* count &* inner
                UnsafeMutableRawPointer(destination).initializeMemory(as: UInt8.self, repeating: 0,
                                                                     count: block &* MemoryLayout<T>.stride)
                if inner == 1 {
                    for j in 0..<count { destination[start &+ j &* step] = source[j] }
                } else {
                    for j in 0..<count {
                        (destination + (start &+ j &* step) &* inner).update(from: source + j &* inner, count: inner)
                    }
                }
            }
        }
        let bytes = outer &* block &* MemoryLayout<T>.stride
        let parts = bytes < BlockCopy.parallelThreshold ? 1 : Swift.min(Parallel.cores, outer)
        Parallel.forEach(parts) { part in fill((outer &* part / parts)..<(outer &* (part &+ 1) / parts)) }
        return out
    }
}

extension Tensor {
    /// The gradient of a slice of a tensor of `inputShape`: zeros with the window set to this tensor.
    func sliceBackward(inputShape: [Int], attributes: Attributes) throws -> Tensor {
        var given = attributes.dictionary
        given["input_sizes"] = .ints(inputShape)
        return try OpHandle.sliceBackward.op().call([self], attributes: given)
    }

    /// A view of the elements `start`, `start + step`, ... before `end` along `dim`,
    /// sharing this tensor's storage (`x[start:end:step]` in PyTorch, `aten::slice`).
    ///
    /// Negative bounds count from the end, and bounds outside the dim clamp to it,
    /// as in Python: `x.sliced(dim: 0, start: -100, end: 100)` is all of dim 0.
    /// Usually written as a subscript: `x[1..<3]`, `x[0..., .stride(from: 1, by: 2)]`.
    ///
    /// - Parameters:
    ///   - dim: the dim to slice (default 0); negative dims count from the end.
    ///   - start: the first position (nil: 0).
    ///   - end: the position after the last (nil: the end of the dim).
    ///   - step: the distance between positions; positive.
    public func sliced(dim: Int = 0, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
        dispatch(.slice, [self], ["dim": .int(dim), "start": start.map(AttributeValue.int) ?? nil,
                                  "end": end.map(AttributeValue.int) ?? nil, "step": .int(step)])
    }

    /// A view of position `index` of dim `dim`, which the result no longer has
    /// (`x.select(dim, index)`; `x[2]` as a subscript). A negative index counts from the end.
    ///
    /// Traps when `index` is outside the dim, naming the dim, the index and the size.
    public func select(dim: Int, index: Int) -> Tensor {
        dispatch(.select, [self], ["dim": .int(dim), "index": .int(index)])
    }
}
