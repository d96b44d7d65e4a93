/// Loops over strided tensors, one innermost row at a time, so the per-element
/// work is a plain pointer walk the compiler can vectorise.
enum StridedLoops {
    /// Calls `body(offsets, count)` for each innermost row of the index space `shape`,
    /// where `offsets[k]` is where operand `k` (with `strides[k]`) starts that row.
    /// Rows have `shape.last` elements; operand `k` steps by `strides[k].last` along a row.
    @inline(__always)
    static func forEachRow(shape: [Int], strides: [[Int]], _ body: (UnsafeMutableBufferPointer<Int>, Int) -> Void) {
        let operands = strides.count
        let rank = shape.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
            offsets.initialize(repeating: 0)
            if rank == 0 {
                body(offsets, 1)
                return
            }
            let rowLength = shape[rank - 1]
            if rowLength == 0 || shape.contains(0) { return }
            let outer = rank - 1
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(outer, 1)) { index in
                index.initialize(repeating: 0)
                while true {
                    body(offsets, rowLength)
                    // Odometer increment over the outer dims, updating offsets incrementally.
                    var d = outer - 1
                    while d >= 0 {
                        index[d] &+= 1
                        for k in 0..<operands { offsets[k] &+= strides[k][d] }
                        if index[d] < shape[d] { break }
                        for k in 0..<operands { offsets[k] &-= strides[k][d] &* shape[d] }
                        index[d] = 0
                        d -= 1
                    }
                    if d < 0 { return }
                }
            }
        }
    }

    /// Copies `source` into `destination` element by element: same shape, any strides.
    /// The dtypes may differ; values convert as a C cast would (bool: non-zero is true).
    static func copy(from source: Tensor, into destination: Tensor) {
        switch (source.dtype, destination.dtype) {
        case (.float32, .float32): copy(source, destination, Float.self, Float.self)
        case (.float64, .float64): copy(source, destination, Double.self, Double.self)
        case (.int64, .int64): copy(source, destination, Int64.self, Int64.self)
        case (.bool, .bool): copy(source, destination, Bool.self, Bool.self)
        case (.float32, .float64): copy(source, destination, Float.self, Double.self)
        case (.float64, .float32): copy(source, destination, Double.self, Float.self)
        default: convert(source, destination)
        }
    }

    /// Conversions through Double: exact for every int64 up to 2^53, as the
    /// `scalars` of an int64 tensor are.
    private static func convert(_ source: Tensor, _ destination: Tensor) {
        func from<S: TensorElement>(_: S.Type) {
            switch destination.dtype {
            case .float32: map(source, destination) { (v: S) in Float(converting: v.doubleValue) }
            case .float64: map(source, destination) { (v: S) in v.doubleValue }
            case .int64: map(source, destination) { (v: S) in Int64(converting: v.doubleValue) }
            case .bool: map(source, destination) { (v: S) in v.doubleValue != 0 }
            }
        }
        switch source.dtype {
        case .float32: from(Float.self)
        case .float64: from(Double.self)
        case .int64: from(Int64.self)
        case .bool: from(Bool.self)
        }
    }

    private static func copy<S: TensorElement, D: TensorElement>(_ source: Tensor, _ destination: Tensor, _: S.Type, _: D.Type) {
        if S.self == D.self && source.isContiguous && destination.isContiguous {
            let bytes = source.scalarCount * source.dtype.byteCount
            let to = UnsafeMutableRawPointer(destination.pointer(D.self)), from = UnsafeRawPointer(source.pointer(S.self))
            if bytes < BlockCopy.parallelThreshold {
                to.copyMemory(from: from, byteCount: bytes)
            } else {
                // Large copies (gradients the engine takes ownership of, say) on several cores.
                BlockCopy.join(rows: 1, pieces: [BlockCopy.Piece(source: from, bytes: bytes)], into: to)
            }
            return
        }
        if S.self == Float.self && D.self == Double.self {
            map(source, destination) { (v: Float) in Double(v) }
        } else if S.self == Double.self && D.self == Float.self {
            map(source, destination) { (v: Double) in Float(v) }
        } else {
            map(source, destination) { (v: S) in unsafeBitCast(v, to: D.self) }
        }
    }

    /// `destination[i] = f(source[i])` over any strides.
    @inline(__always)
    static func map<S: TensorElement, D: TensorElement>(_ source: Tensor, _ destination: Tensor, _ f: (S) -> D) {
        let src = source.pointer(S.self), dst = destination.pointer(D.self)
        if source.isContiguous && destination.isContiguous {
            for i in 0..<source.scalarCount { dst[i] = f(src[i]) }
            return
        }
        let ss = source.strides.last ?? 0, ds = destination.strides.last ?? 0
        forEachRow(shape: source.shape, strides: [source.strides, destination.strides]) { offsets, count in
            let s = src + offsets[0], d = dst + offsets[1]
            for i in 0..<count { d[i &* ds] = f(s[i &* ss]) }
        }
    }

    /// Sets every element of `destination` to `value` (converted to its dtype).
    static func fill(_ destination: Tensor, with value: Double) {
        switch destination.dtype {
        case .float32: fill(destination, Float(value))
        case .float64: fill(destination, value)
        case .int64: fill(destination, Int64(converting: value))
        case .bool: fill(destination, value != 0)
        }
    }

    private static func fill<T: TensorElement>(_ destination: Tensor, _ value: T) {
        let dst = destination.pointer(T.self)
        if destination.isContiguous {
            dst.update(repeating: value, count: destination.scalarCount)
            return
        }
        let ds = destination.strides.last ?? 0
        forEachRow(shape: destination.shape, strides: [destination.strides]) { offsets, count in
            let d = dst + offsets[0]
            for i in 0..<count { d[i &* ds] = value }
        }
    }

    /// `destination += source` elementwise (same shape, same dtype, any strides;
    /// destination elements that alias each other each receive every addition).
    static func accumulate(_ source: Tensor, into destination: Tensor) {
        switch destination.dtype {
        case .float32: accumulate(source, destination, Float.self)
        case .float64: accumulate(source, destination, Double.self)
        case .int64: accumulate(source, destination, Int64.self)
        case .bool:
            let src = source.contiguousData()
            forEachElement(of: destination) { offset, i in
                destination.pointer(Bool.self)[offset] = destination.pointer(Bool.self)[offset] || src.pointer(Bool.self)[i]
            }
        }
    }

    private static func accumulate<T: TensorNumeric>(_ source: Tensor, _ destination: Tensor, _: T.Type) {
        let src = source.contiguousData(), s = src.pointer(T.self), d = destination.pointer(T.self)
        forEachElement(of: destination) { offset, i in d[offset] = T.wrappingAdd(d[offset], s[i]) }
    }

    /// Calls `body(offset, i)` for each element of `tensor` in row-major order `i`,
    /// with its offset from `tensor`'s first element.
    @inline(__always)
    static func forEachElement(of tensor: Tensor, _ body: (Int, Int) -> Void) {
        let stride = tensor.strides.last ?? 0
        var i = 0
        forEachRow(shape: tensor.shape, strides: [tensor.strides]) { offsets, count in
            for j in 0..<count {
                body(offsets[0] &+ j &* stride, i)
                i &+= 1
            }
        }
    }
}
