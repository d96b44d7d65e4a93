/// Shape arithmetic shared by tensors, kernels and shape rules.
enum Shape {
    /// The number of elements of a tensor of this shape (1 for a 0-d shape).
    @inline(__always)
    static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// The number of elements, or nil when a size is negative or the product overflows `Int`.
    static func checkedCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = product
        }
        return n
    }

    /// Row-major strides, in elements.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        // Shared constants for the common small ranks: no allocation per tensor.
        if shape.isEmpty { return [] }
        if shape.count == 1 { return unitStride }
        var strides = [Int](filling: 1, count: shape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = step
            step &*= Swift.max(shape[i], 1)
        }
        return strides
    }

    /// NumPy broadcasting: shapes align from the right; a 1 or a missing dim stretches.
    /// Returns nil when two dims differ and neither is 1.
    private static let unitStride = [1]
    private static let zeroStrides: [[Int]] = (0..<8).map { [Int](repeating: 0, count: $0) }

    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b || b.isEmpty { return a }
        if a.isEmpty { return b }
        let n = Swift.max(a.count, b.count)
        var result = [Int](filling: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 {
                result[i] = da
            } else if da == 1 {
                result[i] = db
            } else {
                return nil
            }
        }
        return result
    }

    /// Strides that read a tensor of `shape`/`strides` as if it had `target` shape:
    /// stretched dims get stride 0. The caller has checked that `shape` broadcasts to `target`.
    static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        // A scalar read everywhere (`x * 2`): shared all-zero strides, no allocation.
        if shape.allSatisfy({ $0 == 1 }) && target.count < zeroStrides.count { return zeroStrides[target.count] }
        let lead = target.count - shape.count
        var result = [Int](filling: 0, count: target.count)
        for i in 0..<shape.count where !(shape[i] == 1 && target[lead + i] != 1) {
            result[lead + i] = strides[i]
        }
        return result
    }

    /// Resolves a possibly negative dim against `rank`; nil when out of range.
    /// A 0-d tensor accepts dims -1 and 0, as in PyTorch.
    static func normalize(dim: Int, rank: Int) -> Int? {
        let r = Swift.max(rank, 1)
        let d = dim < 0 ? dim + r : dim
        return (0..<r).contains(d) ? d : nil
    }

    /// Formats a shape as PyTorch does in messages: `[2, 3]`.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
