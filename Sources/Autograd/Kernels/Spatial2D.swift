/// A height and a width: one per spatial dim of a 2-d convolution or pooling window.
/// A 1-d op is a 2-d one of height 1, so kernels handle one case.
struct Spatial2D: Equatable, Hashable, Sendable, CustomStringConvertible {
    var height: Int
    var width: Int

    init(_ height: Int, _ width: Int) {
        self.height = height
        self.width = width
    }

    var area: Int { height &* width }
    var description: String { "(\(height), \(width))" }

    /// One of PyTorch's int-list attributes as one value per spatial dim: a single
    /// value is repeated (`stride=[2]`), an empty list means `default` (as `stride=[]`
    /// in pooling), any other count throws. For `rank` 1 the height is `neutral`, the
    /// value that leaves a dim of size 1 alone (1 for a stride or dilation, 0 for a padding).
    init(
        _ values: [Int], attribute: String, op: String, rank: Int, neutral: Int, default fallback: [Int]? = nil
    ) throws(GeometryError) {
        var list = values
        if list.isEmpty, let fallback { list = fallback }
        if list.count == 1 { list = Array(repeating: list[0], count: rank) }
        guard list.count == rank else {
            let expected = rank == 1 ? "a single integer value" : "a single integer value or a list of \(rank) values"
            throw GeometryError(op: op, attribute: attribute, message:
                "expected \(attribute) to be \(expected) to match the \(rank)-d spatial dims, but got \(attribute)=\(values)")
        }
        // Bounded so that the geometry's products of sizes, strides and dilations cannot overflow.
        if let huge = list.first(where: { $0 > Spatial2D.largestValue || $0 < -Spatial2D.largestValue }) {
            throw GeometryError(op: op, attribute: attribute, message:
                "\(attribute)=\(values) is out of range: \(huge) is beyond ±\(Spatial2D.largestValue)")
        }
        self = rank == 1 ? Spatial2D(neutral, list[0]) : Spatial2D(list[0], list[1])
    }

    /// The largest stride, padding, dilation or size an attribute may give: 2³¹ − 1.
    static let largestValue = Int(Int32.max)

    /// The size as PyTorch prints it in messages: `(h x w)`, or `(w)` in 1-d.
    func text(rank: Int) -> String {
        rank == 1 ? "(\(width))" : "(\(height) x \(width))"
    }

    /// The size as a shape suffix: `[h, w]`, or `[w]` in 1-d.
    func dims(rank: Int) -> [Int] {
        rank == 1 ? [width] : [height, width]
    }

    /// Floor division for a possibly negative numerator (Swift's `/` truncates toward zero).
    @inline(__always)
    static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q &- 1 : q
    }

    @inline(__always)
    static func ceilDivide(_ a: Int, _ b: Int) -> Int {
        0 &- floorDivide(0 &- a, b)
    }
}
