/// In-place updates: `+=`, `-=`, `*=`, `/=`, `zero()`, `copy(from:)`.
///
/// Each bumps the storage's version counter, so a graph that saved the old
/// value refuses to differentiate through it. Under grad mode an update of a
/// tensor in the graph is recorded, as in PyTorch; on a leaf that requires
/// grad it is an error (wrap parameter updates in `withNoGrad`).
extension Tensor {
    public static func += (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update("add", rhs) } }
    public static func -= (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update("sub", rhs) } }
    public static func *= (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update("mul", rhs) } }
    public static func /= (lhs: Tensor, rhs: Tensor) { trapOnError { try lhs.update("div", rhs) } }
    public static func += (lhs: Tensor, rhs: Double) { lhs += lhs.scalar(rhs) }
    public static func -= (lhs: Tensor, rhs: Double) { lhs -= lhs.scalar(rhs) }
    public static func *= (lhs: Tensor, rhs: Double) { lhs *= lhs.scalar(rhs) }
    public static func /= (lhs: Tensor, rhs: Double) { lhs /= lhs.scalar(rhs) }

    /// Sets every element to zero, in place.
    public func zero() {
        trapOnError {
            try checkInPlace("zero")
            switch dtype {
            case .float32: StridedLoops.fill(self, with: Float(0))
            case .float64: StridedLoops.fill(self, with: Double(0))
            }
            storage.version &+= 1
        }
    }

    /// Copies the elements of `source` (broadcast to this shape) into this tensor, in place.
    public func copy(from source: Tensor) throws {
        try checkInPlace("copy")
        guard Shape.broadcast(source.shape, shape) == shape, source.dtype == dtype else {
            throw AutogradError(.shape, """
                copy: cannot copy a \(source.dtype) tensor of shape \(Shape.describe(source.shape)) into a \
                \(dtype) tensor of shape \(Shape.describe(shape))
                """)
        }
        write(source.broadcastView(to: shape))
    }

    /// Applies the binary op `name` to (self, other) and stores the result in self.
    func update(_ name: String, _ other: Tensor) throws {
        try checkInPlace(name)
        if GradMode.isEnabled && (requiresGrad || other.requiresGrad) {
            // Record against a copy of the old value that keeps its history, then
            // take the result's history: the graph sees the value this tensor had.
            let before = clonedData()
            before.gradFn = gradFn
            let result = try OpRegistry.shared.call(name, [before, other])
            try checkInPlaceShape(name, result)
            write(result)
            gradFn = result.gradFn
        } else {
            let result = try OpRegistry.shared.call(name, [self, other])
            try checkInPlaceShape(name, result)
            write(result)
        }
    }

    /// Gradient accumulation in the engine: `self += g` for a grad buffer it owns.
    func addInPlaceUntracked(_ g: Tensor) throws {
        let result = try withNoGrad { try OpRegistry.shared.call("add", [self, g]) }
        try checkInPlaceShape("add", result)
        write(result)
    }

    private func checkInPlace(_ name: String) throws {
        if GradMode.isEnabled && isLeaf && requiresGradFlag {
            throw AutogradError(.inPlace, """
                \(name): a leaf tensor that requires grad is being used in an in-place operation; \
                wrap the update in withNoGrad { }
                """)
        }
        if zip(shape, strides).contains(where: { $0 > 1 && $1 == 0 }) {
            throw AutogradError(.inPlace, """
                \(name): in place on an expanded tensor of shape \(Shape.describe(shape)), whose elements \
                share memory; call contiguous() first
                """)
        }
    }

    private func checkInPlaceShape(_ name: String, _ result: Tensor) throws {
        guard result.shape == shape else {
            throw AutogradError(.shape, """
                \(name): in place, the result of shape \(Shape.describe(result.shape)) does not fit \
                the tensor of shape \(Shape.describe(shape))
                """)
        }
    }

    private func write(_ source: Tensor) {
        switch dtype {
        case .float32: StridedLoops.copy(from: source, into: self, as: Float.self)
        case .float64: StridedLoops.copy(from: source, into: self, as: Double.self)
        }
        storage.version &+= 1
    }
}
