/// Shape arithmetic on plain values, independent of the library's kernels, so a
/// check's expected result does not lean on the code it checks.
extension TensorValues {
    /// Row-major strides of `shape`.
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = step
            step *= Swift.max(shape[d], 1)
        }
        return strides
    }

    /// The multi-index of flat index `flat` in `shape`.
    static func index(_ flat: Int, in shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }

    /// NumPy broadcasting of two shapes, or nil.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Where element `index` of a tensor of `target` shape reads from these values
    /// broadcast to it.
    private func sourceOffset(of index: [Int], target: [Int]) -> Int {
        let lead = target.count - shape.count
        let s = Self.strides(shape)
        var offset = 0
        for d in shape.indices where shape[d] != 1 { offset += index[lead + d] * s[d] }
        return offset
    }

    /// These values broadcast to `target`, materialised.
    func broadcast(to target: [Int]) -> TensorValues {
        let count = target.reduce(1, *)
        return TensorValues(shape: target, scalars: (0..<count).map {
            scalars[sourceOffset(of: Self.index($0, in: target), target: target)]
        }, dtype: dtype)
    }

    /// A gradient of broadcast shape summed back to `shape`, the inverse of `broadcast(to:)`.
    func summed(to shape: [Int]) -> TensorValues {
        let base = TensorValues(shape: shape, scalars: [Double](repeating: 0, count: shape.reduce(1, *)))
        var out = base.scalars
        for flat in scalars.indices {
            out[base.sourceOffset(of: Self.index(flat, in: self.shape), target: self.shape)] += scalars[flat]
        }
        return TensorValues(shape: shape, scalars: out, dtype: dtype)
    }

    /// The elements `range` of dim `dim`.
    func sliced(dim: Int, _ range: Range<Int>) -> TensorValues {
        let outer = shape[..<dim].reduce(1, *), inner = shape[(dim + 1)...].reduce(1, *)
        var out: [Double] = []
        out.reserveCapacity(outer * range.count * inner)
        for o in 0..<outer {
            let base = o * shape[dim] * inner
            out += scalars[(base + range.lowerBound * inner)..<(base + range.upperBound * inner)]
        }
        var newShape = shape
        newShape[dim] = range.count
        return TensorValues(shape: newShape, scalars: out, dtype: dtype)
    }

    /// Pieces joined along dim `dim`; they agree on every other dim.
    static func concatenated(_ pieces: [TensorValues], dim: Int) -> TensorValues {
        let first = pieces[0]
        let outer = first.shape[..<dim].reduce(1, *), inner = first.shape[(dim + 1)...].reduce(1, *)
        var out: [Double] = []
        for o in 0..<outer {
            for piece in pieces {
                let rows = piece.shape[dim] * inner
                out += piece.scalars[(o * rows)..<((o + 1) * rows)]
            }
        }
        var shape = first.shape
        shape[dim] = pieces.map { $0.shape[dim] }.reduce(0, +)
        return TensorValues(shape: shape, scalars: out, dtype: first.dtype)
    }

    /// The elementwise sum of values of one shape.
    static func added(_ a: TensorValues, _ b: TensorValues) -> TensorValues {
        TensorValues(shape: a.shape, scalars: zip(a.scalars, b.scalars).map(+), dtype: a.dtype)
    }
}
