/// In-place updates: `+=`, `-=`, `*=`, `/=`, `zero()`, `fill(_:)`, `copy(from:)`.
///
/// Each bumps the storage's version counter, so a graph that saved the old
/// value refuses to differentiate through it. Under grad mode an update that
/// involves a tensor requiring grad is recorded like any op: the tensor's history
/// becomes the op's node (it stops being a leaf), and an update through a view
/// rewrites its base's history (PyTorch's `CopySlices`). PyTorch's refusals
/// hold: a leaf that requires grad, or a view of one, cannot be updated in
/// place with grad mode on (wrap parameter updates in `withNoGrad`).
extension Tensor {
    /// Adds `rhs` (broadcast to this shape) to `lhs` in place, as PyTorch's `x += y`.
    ///
    /// The result must be storable in `lhs`'s dtype (a float into int64 is not); a refused
    /// update (wrong shape or dtype, a leaf that requires grad under grad mode) traps.
    public static func += (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update(InPlaceOps.add, [rhs]) } }
    /// Subtracts `rhs` (broadcast to this shape) from `lhs` in place; traps as `+=` does.
    public static func -= (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update(InPlaceOps.sub, [rhs]) } }
    /// Multiplies `lhs` by `rhs` (broadcast to this shape) in place; traps as `+=` does.
    public static func *= (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update(InPlaceOps.mul, [rhs]) } }
    /// Divides `lhs` by `rhs` (broadcast to this shape) in place; division is floating-point,
    /// so an int64 `lhs` traps, and otherwise it traps as `+=` does.
    public static func /= (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update(InPlaceOps.div, [rhs]) } }
    /// Adds the number `rhs` to every element in place (`x += 0.5`); `rhs` is a 0-d tensor of
    /// `lhs`'s dtype when that is floating-point, else float32, so an int64 `lhs` traps
    /// (as PyTorch refuses `ints += 0.5`).
    public static func += (lhs: Tensor, rhs: Double) { lhs += lhs.scalar(rhs) }
    /// Subtracts the number `rhs` from every element in place (`x -= 0.5`); see `+=` for dtypes.
    public static func -= (lhs: Tensor, rhs: Double) { lhs -= lhs.scalar(rhs) }
    /// Multiplies every element by the number `rhs` in place (`x *= 0.9`); see `+=` for dtypes.
    public static func *= (lhs: Tensor, rhs: Double) { lhs *= lhs.scalar(rhs) }
    /// Divides every element by the number `rhs` in place (`x /= 2.0`); see `+=` for dtypes.
    public static func /= (lhs: Tensor, rhs: Double) { lhs /= lhs.scalar(rhs) }
    /// Adds the integer `rhs` to every element in place (`x += 1`), for every dtype:
    /// an int64 tensor stays int64 and a float tensor keeps its dtype, as in PyTorch.
    public static func += (lhs: Tensor, rhs: Int) { lhs += lhs.scalar(rhs) }
    /// Subtracts the integer `rhs` from every element in place (`x -= 1`); see `+=`.
    public static func -= (lhs: Tensor, rhs: Int) { lhs -= lhs.scalar(rhs) }
    /// Multiplies every element by the integer `rhs` in place (`x *= 2`); see `+=`.
    public static func *= (lhs: Tensor, rhs: Int) { lhs *= lhs.scalar(rhs) }
    /// Divides every element by the integer `rhs` in place (`x /= 2`); division is
    /// floating-point, so an int64 `lhs` traps, as PyTorch refuses `ints /= 2`.
    public static func /= (lhs: Tensor, rhs: Int) { lhs /= lhs.scalar(rhs) }

    /// Sets every element to zero, in place.
    public func zero() { fill(0) }

    /// Sets every element to `value`, in place.
    public func fill(_ value: Double) {
        trapOnError {
            if GradMode.isEnabled && requiresGrad || ForwardAD.isActive && tangent != nil {
                try update(InPlaceOps.fill, [], attributes: ["value": .double(value)])
            } else {
                // Nothing to record: write the value directly.
                try checkWritable("fill")
                StridedLoops.fill(self, with: value)
                storage.version &+= 1
            }
        }
    }

    /// Copies the elements of `source` (broadcast to this shape, converted to this
    /// dtype) into this tensor, in place. Recorded like any in-place update, so
    /// gradients flow to `source` and, outside the copied region, to this tensor's history.
    ///
    /// - Throws: `AutogradError` when `source` does not broadcast to this shape, its
    ///   dtype cannot be stored in this one (float into int64, say), or the update is refused.
    public func copy(from source: Tensor) throws {
        try update(InPlaceOps.copy, [source])
    }

    /// Applies `op` to `(self, others...)` and stores the result in this tensor.
    func update(_ op: Op, _ others: [Tensor], attributes: [String: AttributeValue] = [:]) throws {
        try checkWritable(op.name)
        let recording = GradMode.isEnabled && (requiresGrad || others.contains(where: \.requiresGrad))
        let carrying = ForwardAD.isActive && (tangent != nil || others.contains { $0.tangent != nil })
        guard recording || carrying else {
            let result = try withNoGrad { try op.call([self] + others, attributes: attributes) }
            try write(storable(result, op: op.name), op: op.name)
            return
        }
        if recording { try checkRecordable(op.name) }
        // The op runs on a snapshot holding this tensor's value and history, which
        // nothing else can change: what its node saves stays valid.
        let before = try snapshot()
        let result = try storable(op.call([before] + others, attributes: attributes), op: op.name)
        try write(result, op: op.name)
        if let info = viewInfo, recording {
            let base = info.base, alias = base.isSavedAsItself ? base.aliasKeepingHistory() : nil
            try Node.record(op: EngineOps.asStridedScatter,
                            attributes: geometry(relativeTo: base).replacing(["accumulate": false]),
                            inputs: [base, result], outputs: CallOutputs(base))
            if let alias { Node.releaseSaves(of: base, reachableFrom: base.history, to: alias) }
        } else if recording {
            let alias = isSavedAsItself ? aliasKeepingHistory() : nil
            history = result.history
            outputIndex = result.outputIndex
            history?.rebindSavedOutput(outputIndex, to: self)
            if retainsGrad { history?.retain(output: outputIndex, in: self) }
            if let alias { Node.releaseSaves(of: self, reachableFrom: history, to: alias) }
        }
        if carrying { tangent = result.tangent }
    }

    /// Gradient accumulation in the engine: `self += g` for a grad buffer it owns.
    func addInPlaceUntracked(_ g: Tensor) throws {
        let result = try withNoGrad { try ForwardAD.withPaused { try EngineOps.add.call([self, g]) } }
        try write(storable(result, op: "add"), op: "add")
    }

    /// An alias of this tensor's storage with its current history: what nodes that
    /// saved this tensor keep once an in-place update changes its history.
    private func aliasKeepingHistory() -> Tensor {
        let alias = historyFreeAlias()
        alias.history = history
        alias.outputIndex = outputIndex
        alias.requiresGradFlag = requiresGradFlag
        alias.accumulator = accumulator
        return alias
    }

    /// A new tensor with this one's value, history and tangent.
    private func snapshot() throws -> Tensor {
        let copy = clonedData()
        if let node = try currentGradFn() {
            copy.history = node
            copy.outputIndex = outputIndex
        }
        copy.requiresGradFlag = requiresGradFlag
        copy.accumulator = accumulator
        copy.tangentStorage = tangentStorage
        return copy
    }

    /// Refuses what no in-place update may write: shared constants and memory
    /// whose elements alias each other (a broadcast view).
    private func checkWritable(_ name: String) throws {
        if storage.isReadOnly {
            throw AutogradError(.inPlace, """
                \(name): in place on a read-only tensor (a constant the library shares between expressions, \
                such as the 2 of x * 2); it cannot be written
                """)
        }
        if zip(shape, strides).contains(where: { $0 > 1 && $1 == 0 }) {
            throw AutogradError(.inPlace, """
                \(name): in place on an expanded tensor of shape \(Shape.describe(shape)), whose elements \
                share memory; call contiguous() first
                """)
        }
    }

    /// PyTorch's refusals of a recorded in-place update.
    private func checkRecordable(_ name: String) throws {
        if let info = viewInfo {
            try checkRebase(indirect: false)
            if info.base.isLeafRequiringGrad {
                throw AutogradError(.inPlace, """
                    \(name): a view of a leaf tensor that requires grad is being used in an in-place operation; \
                    wrap the update in withNoGrad { }, or update a copy
                    """)
            }
        } else if isLeafRequiringGrad {
            throw AutogradError(.inPlace, """
                \(name): a leaf tensor that requires grad is being used in an in-place operation; \
                wrap the update in withNoGrad { }
                """)
        }
    }

    private var isLeafRequiringGrad: Bool { history == nil && requiresGradFlag }

    /// `result` in this tensor's dtype, or an error when PyTorch would not store it
    /// (a float result into an int64 tensor, an int64 one into bool).
    private func storable(_ result: Tensor, op name: String) throws -> Tensor {
        guard result.shape == shape else {
            throw AutogradError(.shape, """
                \(name): in place, the result of shape \(Shape.describe(result.shape)) does not fit \
                the tensor of shape \(Shape.describe(shape))
                """)
        }
        if result.dtype == dtype { return result }
        guard result.dtype.category <= dtype.category else {
            throw AutogradError(.dtype, """
                \(name): in place, the result of type \(result.dtype) cannot be stored in this \(dtype) tensor
                """)
        }
        return try result.convertedOrThrow(to: dtype)
    }

    /// Writes `source`'s elements into this tensor's memory and bumps its version.
    private func write(_ source: Tensor, op name: String) throws {
        var source = source
        if source.storage === storage && !(source.offset == offset && source.strides == strides) {
            // Overlapping memory (`t.copy(from: t.transposed(0, 1))`): through a temporary.
            source = source.clonedData()
        }
        StridedLoops.copy(from: source, into: self)
        storage.version &+= 1
    }
}

/// The ops in-place updates run, resolved once from the shared registry, the
/// one the operators dispatch through.
enum InPlaceOps {
    static var add: Op { OpHandle.add.opOrTrap() }
    static var sub: Op { OpHandle.sub.opOrTrap() }
    static var mul: Op { OpHandle.mul.opOrTrap() }
    static var div: Op { OpHandle.div.opOrTrap() }
    static var fill: Op { OpHandle.fill.opOrTrap() }
    static var copy: Op { OpHandle.copy.opOrTrap() }
}
