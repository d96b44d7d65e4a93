/// View tracking, as PyTorch's: a view knows its base, an in-place update
/// through a view rewrites the base's history, and a view whose base changed
/// rebuilds its own history on the base's when it is next used.
///
/// Both rewrites are ops of their own, kept by the engine rather than looked up
/// by name: `as_strided` (read a strided window of a tensor's memory layout) and
/// `as_strided_scatter` (write one), PyTorch's `AsStridedBackward0` and `CopySlices`.

/// What a view remembers of its base.
struct ViewInfo {
    /// The tensor whose storage this view reads; never itself a view.
    let base: Tensor
    /// The storage version this view's history was last built for.
    var recordedVersion: Int
    let creation: ViewCreation
}

/// How a view came to be, for the in-place updates PyTorch refuses on some.
enum ViewCreation: Equatable {
    case ordinary
    /// Made with grad mode off: updating it in place with grad mode on is ambiguous.
    case inNoGradMode
    /// One of several views one op returned (`split`, `unbind`), named by its node.
    case oneOfSeveral(String)
}

extension Tensor {
    /// Marks this op output as a view of `input` (which shares its storage).
    func markAsView(of input: Tensor, creation: ViewCreation) {
        let base = input.viewInfo?.base ?? input
        viewInfo = ViewInfo(base: base, recordedVersion: storage.version, creation: creation)
    }

    /// Rebuilds this view's history on its base's current history when the
    /// storage changed since it was last built (PyTorch's `grad_fn` of a view).
    ///
    /// - Throws: for a view made with grad mode off, or one of several views an op
    ///   returned, whose base was modified in place: PyTorch refuses those.
    func refreshViewHistory() throws {
        guard let info = viewInfo, info.recordedVersion != storage.version else { return }
        // A view of a tensor outside any graph stays outside until its base joins one.
        if history == nil && !info.base.requiresGrad { return }
        try checkRebase(indirect: true)
        viewInfo!.recordedVersion = storage.version
        history = nil
        outputIndex = 0
        guard info.base.requiresGrad else { return }
        try Node.record(op: EngineOps.asStrided, attributes: geometry(relativeTo: info.base), inputs: [info.base],
                        outputs: CallOutputs(self))
        if retainsGrad { history?.retain(output: 0, in: self) }
    }

    /// PyTorch's refusals for rewriting a view's history: after an in-place update
    /// of the view itself, or (`indirect`) of its base or another view of it.
    func checkRebase(indirect: Bool) throws {
        guard let info = viewInfo else { return }
        let what = indirect ? "its base or another view of its base has been modified inplace"
                            : "is being modified inplace"
        switch info.creation {
        case .ordinary:
            return
        case .inNoGradMode:
            throw AutogradError(.inPlace, """
                A view was created in no_grad mode and \(what) with grad mode enabled. Given that this use case \
                is ambiguous and error-prone, it is forbidden. Move both the view and the in-place update inside \
                withNoGrad { } (if the update should not be recorded) or both outside (if it should)
                """)
        case .oneOfSeveral(let node):
            throw AutogradError(.inPlace, """
                Output \(outputIndex) of \(node) is a view and \(what). This view is one of several that one op \
                returned, and such views cannot be modified in place; use an out-of-place operation instead
                """)
        }
    }

    /// This tensor's place in `base`'s memory, as the attributes of `as_strided`.
    func geometry(relativeTo base: Tensor) -> Attributes {
        Attributes([
            "size": .ints(shape), "stride": .ints(strides), "storage_offset": .int(offset),
            "base_stride": .ints(base.strides), "base_offset": .int(base.offset),
        ])
    }
}

/// The ops the engine itself runs: view rewrites and gradient accumulation.
/// Held here, not looked up by name, so that replacing a registry's ops cannot
/// change how the engine keeps its books. They are also registered as built-in
/// ops, so users and kernel-check can call them.
enum EngineOps {
    static let asStrided: Op = Op(BuiltinOps.asStridedDefinition)
    static let asStridedScatter: Op = Op(BuiltinOps.asStridedScatterDefinition)
    static let clone: Op = Op(BuiltinOps.cloneDefinition)
    static let convert: Op = Op(BuiltinOps.toDefinition)
    static let add: Op = Op(BuiltinOps.addDefinition)
    static let sumToSize: Op = Op(BuiltinOps.sumToSizeDefinition)
}

/// Strided windows of a tensor's memory layout.
extension BuiltinOps {
    static let geometryAttributes: [AttributeSpec] = [
        AttributeSpec("size", .ints), AttributeSpec("stride", .ints), AttributeSpec("storage_offset", .int),
        AttributeSpec("base_stride", .ints), AttributeSpec("base_offset", .int),
    ]

    /// `as_strided(x)`: `x` read as laid out with `base_stride` from `base_offset`,
    /// then the window `size`/`stride`/`storage_offset` of that memory.
    static let asStridedDefinition: OpDefinition = OpDefinition(
        name: "as_strided", inputs: ["x"], attributes: geometryAttributes,
        outputShape: ShapeRule { ctx in try StridedGeometry(ctx.attributes, baseShape: ctx.shapes[0], op: ctx.op).size },
        forward: .anyDType(AsStridedKernel.self), saves: [], jvp: .linear
    ) { ctx in
        let g = ctx.gradOutput
        let zeros = Tensor.zeros(ctx.inputShapes[0], dtype: g.dtype)
        return [try EngineOps.asStridedScatter.call([zeros, g], attributes: ctx.attributes.replacing(["accumulate": true]).dictionary)]
    }

    /// `as_strided_scatter(x, src)`: `x` with the window written (or, with
    /// `accumulate`, added to) from `src`. The base's new history after an
    /// in-place update through a view (PyTorch's `CopySlices`).
    static let asStridedScatterDefinition: OpDefinition = OpDefinition(
        name: "as_strided_scatter", inputs: ["x", "src"],
        attributes: geometryAttributes + [AttributeSpec("accumulate", .bool, default: false)],
        outputShape: ShapeRule { ctx in
            let geometry = try StridedGeometry(ctx.attributes, baseShape: ctx.shapes[0], op: ctx.op)
            guard ctx.shapes[1] == geometry.size else { throw ctx.error("src of the window's shape \(Shape.describe(geometry.size))") }
            return ctx.shapes[0]
        },
        forward: .anyDType(AsStridedScatterKernel.self), saves: [], gradFnName: "CopySlices", jvp: .linear
    ) { ctx in
        let g = ctx.gradOutput, accumulate = ctx.attributes.bool("accumulate")
        var grads: [Tensor?] = [nil, nil]
        if ctx.needsInputGrad[0] {
            grads[0] = accumulate ? g : try EngineOps.asStridedScatter.call(
                [g, Tensor.zeros(ctx.inputShapes[1], dtype: g.dtype)], attributes: ctx.attributes.dictionary)
        }
        if ctx.needsInputGrad[1] {
            var window = ctx.attributes.dictionary
            window["accumulate"] = nil
            grads[1] = try EngineOps.asStrided.call([g], attributes: window)
        }
        return grads
    }
}

/// The geometry attributes of `as_strided`, checked against the base's shape.
struct StridedGeometry {
    let size: [Int]
    let stride: [Int]
    /// Where the window starts, in elements from the base's first element.
    let relativeOffset: Int
    let baseStride: [Int]
    /// The elements a buffer laid out like the base spans.
    let extent: Int

    init(_ attributes: Attributes, baseShape: [Int], op: String) throws {
        size = attributes.ints("size")!
        stride = attributes.ints("stride")!
        baseStride = attributes.ints("base_stride")!
        let (offset, offsetOverflow) = attributes.int("storage_offset").subtractingReportingOverflow(attributes.int("base_offset"))
        relativeOffset = offsetOverflow ? -1 : offset
        // Checked: the attributes are the caller's, and a huge size or stride must be an error, not a trap.
        func span(_ shape: [Int], _ strides: [Int]) throws -> Int {
            var total = 0
            for (n, step) in zip(shape, strides) where n > 0 {
                let (reach, overflow) = (n - 1).multipliedReportingOverflow(by: step)
                let (sum, overflowSum) = total.addingReportingOverflow(reach)
                guard !overflow, !overflowSum else {
                    throw AutogradError(.shape, """
                        \(op): size \(Shape.describe(shape)) with stride \(Shape.describe(strides)) reaches past \
                        the largest offset an Int can hold
                        """)
                }
                total = sum
            }
            return total
        }
        guard size.count == stride.count, baseStride.count == baseShape.count,
              (stride + baseStride).allSatisfy({ $0 >= 0 }), size.allSatisfy({ $0 >= 0 }) else {
            throw AutogradError(.shape, """
                \(op): expected size and stride of one length and base_stride of the input's rank \(baseShape.count), \
                all non-negative; got size \(Shape.describe(size)), stride \(Shape.describe(stride)), \
                base_stride \(Shape.describe(baseStride))
                """)
        }
        guard let windowCount = Shape.checkedCount(size) else {
            throw AutogradError(.shape, "\(op): size \(Shape.describe(size)) has more elements than an Int can count")
        }
        // Spans below Int.max, so `+ 1` cannot overflow; an offset too large to add is outside any layout.
        extent = Shape.count(baseShape) == 0 ? 0 : try Swift.min(span(baseShape, baseStride), Int.max - 1) + 1
        let windowSpan = try span(size, stride)
        let windowEnd = windowSpan < Int.max - 1 - Swift.max(relativeOffset, 0) ? relativeOffset + windowSpan + 1 : Int.max
        guard windowCount == 0 || (relativeOffset >= 0 && windowEnd <= extent) else {
            throw AutogradError(.shape, """
                \(op): the window (size \(Shape.describe(size)), stride \(Shape.describe(stride)), offset \
                \(relativeOffset)) reaches outside the \(extent) elements of the input's layout
                """)
        }
    }

    /// `x` laid out in a new buffer with the base's strides: the memory the window reads.
    func layOut(_ x: Tensor) throws -> Tensor {
        let buffer = try Tensor.uninitialized([Swift.max(extent, 0)], dtype: x.dtype, op: "as_strided")
        let placed = Tensor(storage: buffer.storage, shape: x.shape, strides: baseStride, dtype: x.dtype)
        StridedLoops.copy(from: x, into: placed)
        return placed
    }

    /// The window of `laidOut`, a tensor with the base's strides.
    func window(of laidOut: Tensor) -> Tensor {
        Tensor(storage: laidOut.storage, shape: size, strides: stride, offset: laidOut.offset + relativeOffset,
               dtype: laidOut.dtype)
    }
}

enum AsStridedKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0]
        let geometry = try StridedGeometry(ctx.attributes, baseShape: x.shape, op: ctx.op)
        // Memory already laid out like the base: a view. Otherwise, lay it out first.
        let laidOut = x.strides == geometry.baseStride ? x : try geometry.layOut(x)
        return geometry.window(of: laidOut)
    }
}

enum AsStridedScatterKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let (x, src) = (ctx.inputs[0], ctx.inputs[1])
        let geometry = try StridedGeometry(ctx.attributes, baseShape: x.shape, op: ctx.op)
        let laidOut = try geometry.layOut(x)
        let window = geometry.window(of: laidOut)
        if ctx.attributes.bool("accumulate") {
            // Overlapping windows (an expanded view) add up, as the adjoint of a read must.
            StridedLoops.accumulate(src, into: window)
        } else {
            StridedLoops.copy(from: src, into: window)
        }
        return laidOut
    }
}
