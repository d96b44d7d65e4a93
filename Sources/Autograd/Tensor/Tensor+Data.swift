extension Tensor {
    /// The elements in row-major order, as `Double` (bool as 0 and 1; int64 exactly up to 2^53).
    public var scalars: [Double] {
        let source = contiguousData()
        let n = source.scalarCount
        switch dtype {
        case .float32: return Self.doubles(source.pointer(Float.self), n)
        case .float64: return Array(UnsafeBufferPointer(start: source.pointer(Double.self), count: n))
        case .int64: return Self.doubles(source.pointer(Int64.self), n)
        case .bool: return Self.doubles(source.pointer(Bool.self), n)
        }
    }

    private static func doubles<T: TensorElement>(_ p: UnsafePointer<T>, _ n: Int) -> [Double] {
        (0..<n).map { p[$0].doubleValue }
    }

    /// The elements in row-major order as `T`, which must be this tensor's element type.
    ///
    /// - Precondition: `T.dtype == dtype`.
    public func scalars<T: TensorElement>(as _: T.Type) -> [T] {
        precondition(T.dtype == dtype, "scalars(as: \(T.self)) on a \(dtype) tensor")
        let source = contiguousData()
        return Array(UnsafeBufferPointer(start: source.pointer(T.self), count: source.scalarCount))
    }

    /// The value of a one-element tensor, as `Double`.
    public func item() -> Double {
        precondition(scalarCount == 1, "item() needs a tensor with one element; this one has shape \(Shape.describe(shape))")
        switch dtype {
        case .float32: return Double(pointer(Float.self).pointee)
        case .float64: return pointer(Double.self).pointee
        case .int64: return Double(pointer(Int64.self).pointee)
        case .bool: return pointer(Bool.self).pointee ? 1 : 0
        }
    }

    /// Calls `body` with the elements of this tensor, which must be contiguous and of dtype `T`.
    public func withUnsafeBufferPointer<T: TensorElement, R>(
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
    ///
    /// - Precondition: the tensor is contiguous, of dtype `T`, and not one of the
    ///   read-only constants the library shares between expressions (the `2` of `x * 2`).
    public func withUnsafeMutableBufferPointer<T: TensorElement, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(T.dtype == dtype, "withUnsafeMutableBufferPointer(as: \(T.self)) on a \(dtype) tensor")
        precondition(isContiguous, "withUnsafeMutableBufferPointer needs a contiguous tensor; call contiguous() first")
        precondition(!storage.isReadOnly, """
            withUnsafeMutableBufferPointer on a read-only tensor: a constant the library shares between \
            expressions (such as the 2 of x * 2); kernels must not write their inputs
            """)
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: pointer(T.self), count: scalarCount))
    }

    /// The raw address of the first element (contiguous tensors only): what a C kernel reads and writes.
    public var unsafeRawPointer: UnsafeMutableRawPointer {
        storage.data + offset &* dtype.byteCount
    }

    /// This tensor if contiguous, else a contiguous copy, without recording history.
    func contiguousData() -> Tensor {
        isContiguous ? self : clonedData()
    }
}
