extension Tensor {
    /// The elements in row-major order, converted to `Double`.
    public var scalars: [Double] {
        let source = contiguousData()
        let n = source.scalarCount
        switch dtype {
        case .float32:
            let p = source.pointer(Float.self)
            return (0..<n).map { Double(p[$0]) }
        case .float64:
            return Array(UnsafeBufferPointer(start: source.pointer(Double.self), count: n))
        }
    }

    /// The value of a one-element tensor.
    public func item() -> Double {
        precondition(scalarCount == 1, "item() needs a tensor with one element; this one has shape \(Shape.describe(shape))")
        switch dtype {
        case .float32: return Double(pointer(Float.self).pointee)
        case .float64: return pointer(Double.self).pointee
        }
    }

    /// Calls `body` with the elements of this tensor, which must be contiguous and of dtype `T`.
    public func withUnsafeBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "withUnsafeBufferPointer(as: \(T.self)) on a \(dtype) tensor")
        precondition(isContiguous, "withUnsafeBufferPointer needs a contiguous tensor; call contiguous() first")
        return try body(UnsafeBufferPointer(start: pointer(T.self), count: scalarCount))
    }

    /// Calls `body` with the writable elements of this contiguous tensor of dtype `T`.
    ///
    /// Writing through the pointer is an in-place modification: it bumps the version
    /// counter, so a graph that saved this tensor refuses to differentiate through it.
    public func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "withUnsafeMutableBufferPointer(as: \(T.self)) on a \(dtype) tensor")
        precondition(isContiguous, "withUnsafeMutableBufferPointer needs a contiguous tensor; call contiguous() first")
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: pointer(T.self), count: scalarCount))
    }

    /// The raw address of the first element (contiguous tensors only): what a C kernel reads and writes.
    public var unsafeRawPointer: UnsafeMutableRawPointer {
        storage.data + offset &* dtype.byteCount
    }

    /// This tensor if contiguous, else a contiguous copy, without recording history.
    func contiguousData() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        switch dtype {
        case .float32: StridedLoops.copy(from: self, into: out, as: Float.self)
        case .float64: StridedLoops.copy(from: self, into: out, as: Double.self)
        }
        return out
    }
}
