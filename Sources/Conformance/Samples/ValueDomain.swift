import Autograd

/// The values an input of a sample may take, so that checks stay inside an op's
/// domain (log and sqrt of positive numbers, indices within the dim they index)
/// and away from points where the op is not differentiable (0 for abs and relu).
/// The special-values check goes outside the domain on purpose.
public enum ValueDomain: Sendable, Equatable, CustomStringConvertible {
    /// ±[0.1, 2]: both signs, never near 0.
    case real
    /// [0.2, 2].
    case positive
    /// ±[0.1, 0.9]: inside (-1, 1), away from 0 and the ends (asin, acos).
    case unit
    /// [0.1, 0.9]: inside (0, 1), away from the ends (probabilities).
    case probability
    /// Whole numbers in `0..<count` (class indices).
    case classIndices(count: Int)
    /// Whole numbers indexing dim `dim` of input slot `input` of the same call:
    /// in `0..<size` of that dim, so they stay in range whatever shape it has. The
    /// error-inputs check expects an index equal to the size to be refused.
    case indices(into: Int, dim: Int)
    /// Booleans, true and false about equally often.
    case mask

    /// The range the values are drawn from, as reports show it: `±[0.1, 2]` for `.real`.
    public var description: String {
        switch self {
        case .real: "±[0.1, 2]"
        case .positive: "[0.2, 2]"
        case .unit: "±[0.1, 0.9]"
        case .probability: "[0.1, 0.9]"
        case .classIndices(let count): "0..<\(count)"
        case .indices(let input, let dim): "indices into dim \(dim) of input \(input)"
        case .mask: "true/false"
        }
    }

    /// Whether values of this domain are whole numbers or booleans, never differentiated.
    var isDiscrete: Bool {
        switch self {
        case .real, .positive, .unit, .probability: false
        case .classIndices, .indices, .mask: true
        }
    }

    /// The dtype a discrete domain's values have when the input declares none.
    var naturalDType: DType? {
        switch self {
        case .real, .positive, .unit, .probability: nil
        case .classIndices, .indices: .int64
        case .mask: .bool
        }
    }

    /// The continuous domains the sample synthesiser tries, widest first.
    static let continuous: [ValueDomain] = [.real, .positive, .unit, .probability]

    /// One value; `shapes` are the shapes of the call's inputs, which `indices` reads.
    func value(_ generator: inout RandomGenerator, shapes: [[Int]?]) -> Double {
        func magnitude(_ low: Double, _ high: Double) -> Double { low + (high - low) * generator.nextUniform() }
        func signed(_ m: Double, _ g: inout RandomGenerator) -> Double { g.next() & 1 == 0 ? m : -m }
        switch self {
        case .real: return signed(magnitude(0.1, 2), &generator)
        case .positive: return magnitude(0.2, 2)
        case .unit: return signed(magnitude(0.1, 0.9), &generator)
        case .probability: return magnitude(0.1, 0.9)
        case .classIndices(let count): return Double(generator.next() % UInt64(Swift.max(count, 1)))
        case .indices(let input, let dim):
            let size = Self.size(of: dim, in: shapes[safe: input] ?? nil)
            return Double(generator.next() % UInt64(Swift.max(size, 1)))
        case .mask: return Double(generator.next() & 1)
        }
    }

    /// The exclusive upper bound of an index domain in a call with `shapes`, or nil.
    func indexBound(shapes: [[Int]?]) -> Int? {
        switch self {
        case .classIndices(let count): count
        case .indices(let input, let dim): Self.size(of: dim, in: shapes[safe: input] ?? nil)
        default: nil
        }
    }

    /// The size of a possibly negative `dim` of `shape`; 1 for a 0-d shape, as an index into it.
    private static func size(of dim: Int, in shape: [Int]?) -> Int {
        guard let shape, !shape.isEmpty else { return 1 }
        let d = dim < 0 ? dim + shape.count : dim
        return shape.indices.contains(d) ? shape[d] : 1
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
