import Autograd

/// The values an input of a sample may take, so that checks stay inside an op's
/// domain (log and sqrt of positive numbers, class indices for a target) and away
/// from points where the op is not differentiable (0 for abs and relu).
public enum ValueDomain: Sendable, Equatable {
    /// ±[0.1, 2]: both signs, never near 0.
    case real
    /// [0.2, 2].
    case positive
    /// ±[0.1, 0.9]: inside (-1, 1), away from 0 and the ends (asin, acos).
    case unit
    /// [0.05, 0.95]: probabilities away from 0 and 1 (binary cross-entropy). They
    /// take no special values: NaN or ±Inf is no probability, an error as in PyTorch.
    case probability
    /// Whole numbers in `0..<count`, stored as floats (class indices).
    case classIndices(count: Int)

    /// The special values an input of this domain receives in the special-values check.
    var specialValues: [Double] {
        switch self {
        case .real, .unit: [.nan, .infinity, -.infinity]
        case .positive: [.nan, .infinity]
        case .probability, .classIndices: []
        }
    }

    func value(_ generator: inout RandomGenerator) -> Double {
        switch self {
        case .real:
            let magnitude = 0.1 + 1.9 * generator.nextUniform()
            return generator.next() & 1 == 0 ? magnitude : -magnitude
        case .positive:
            return 0.2 + 1.8 * generator.nextUniform()
        case .unit:
            let magnitude = 0.1 + 0.8 * generator.nextUniform()
            return generator.next() & 1 == 0 ? magnitude : -magnitude
        case .probability:
            return 0.05 + 0.9 * generator.nextUniform()
        case .classIndices(let count):
            return Double(Int(generator.next() % UInt64(Swift.max(count, 1))))
        }
    }
}

/// A tensor input of a sample: its shape and domain.
public struct InputSpec: Sendable, Equatable {
    public var shape: [Int]
    public var domain: ValueDomain

    public init(_ shape: [Int], _ domain: ValueDomain = .real) {
        self.shape = shape
        self.domain = domain
    }
}

/// The shapes (and, where they must differ, the attributes) of one call.
public struct ShapeVariant: Sendable {
    public var shapes: [[Int]]
    /// Replaces the sample's attributes for this call, when given.
    public var attributes: [String: AttributeValue]?

    public init(_ shapes: [[Int]], attributes: [String: AttributeValue]? = nil) {
        self.shapes = shapes
        self.attributes = attributes
    }
}

/// How the large check cuts a large call into smaller calls whose results rebuild the large one.
public struct LargeVariant: Sendable {
    /// How the pieces' outputs make the large output.
    public enum Combination: Sendable, Equatable {
        /// Pieces' outputs are concatenated along `dim`.
        case concatenate(dim: Int)
        /// The output is the mean over all rows, so pieces' outputs are weighted by their row counts.
        case mean
    }

    /// Shapes with `rows` standing for the large row count in dim 0 of split inputs (-1 in the spec).
    public var shapes: [[Int]]
    /// The inputs cut along dim 0; the others are passed whole to every piece.
    public var splitInputs: Set<Int>
    public var combination: Combination
    public var attributes: [String: AttributeValue]?

    /// - Parameter shapes: input shapes in which `-1` marks the large dimension.
    public init(_ shapes: [[Int]], split splitInputs: Set<Int>, combination: Combination = .concatenate(dim: 0),
                attributes: [String: AttributeValue]? = nil) {
        self.shapes = shapes
        self.splitInputs = splitInputs
        self.combination = combination
        self.attributes = attributes
    }
}

/// How an op is exercised: its inputs, attributes, and the variants the shape and
/// layout checks call it with. Built-in ops have entries in `OpSample.builtins`; an
/// elementwise op without one gets `OpSample.elementwise(arity:)`; any other op
/// needs one passed in `KernelCheck.Configuration.sample`.
public struct OpSample: Sendable {
    public var inputs: [InputSpec]
    public var attributes: [String: AttributeValue]
    /// An expression over built-in ops computing the same thing, used when the op's
    /// definition carries no `reference`.
    public var reference: String?
    /// Whether the reference also gives the op's results for NaN and ±Inf inputs
    /// (false for a formula that only agrees on finite values).
    public var referenceCoversSpecialValues: Bool
    /// A call with 0-d inputs; compared with the same values as 1-element tensors.
    public var zeroDim: ShapeVariant?
    /// A call with a zero-length dimension.
    public var emptyDim: ShapeVariant?
    /// Inputs that broadcast (elementwise ops only).
    public var broadcast: ShapeVariant?
    /// A call with at least `largeElementCount` elements in one input.
    public var large: LargeVariant?
    /// Whether inputs may be stride-0 (expanded) views: their rows then repeat.
    public var allowsExpandedInputs: Bool
    /// Input shapes the op must reject with the sample's attributes.
    public var invalidShapes: [[Int]]?

    public init(
        inputs: [InputSpec], attributes: [String: AttributeValue] = [:], reference: String? = nil,
        referenceCoversSpecialValues: Bool = true, zeroDim: ShapeVariant? = nil, emptyDim: ShapeVariant? = nil,
        broadcast: ShapeVariant? = nil, large: LargeVariant? = nil, allowsExpandedInputs: Bool = true,
        invalidShapes: [[Int]]? = nil
    ) {
        self.inputs = inputs
        self.attributes = attributes
        self.reference = reference
        self.referenceCoversSpecialValues = referenceCoversSpecialValues
        self.zeroDim = zeroDim
        self.emptyDim = emptyDim
        self.broadcast = broadcast
        self.large = large
        self.allowsExpandedInputs = allowsExpandedInputs
        self.invalidShapes = invalidShapes
    }

    /// The default for an elementwise op of `arity` inputs: [3, 4] inputs of `domain`,
    /// with 0-d, empty, broadcast and large variants.
    public static func elementwise(
        arity: Int, domain: ValueDomain = .real, attributes: [String: AttributeValue] = [:],
        reference: String? = nil, referenceCoversSpecialValues: Bool = true
    ) -> OpSample {
        let broadcastShapes: [[Int]] = [[2, 1, 4], [3, 1], [4], [2, 3, 1]]
        return OpSample(
            inputs: Array(repeating: InputSpec([3, 4], domain), count: arity), attributes: attributes,
            reference: reference, referenceCoversSpecialValues: referenceCoversSpecialValues,
            zeroDim: ShapeVariant(Array(repeating: [], count: arity)),
            emptyDim: ShapeVariant(Array(repeating: [0, 4], count: arity)),
            broadcast: arity < 2 ? nil : ShapeVariant((0..<arity).map { broadcastShapes[$0 % broadcastShapes.count] }),
            large: LargeVariant(Array(repeating: [-1], count: arity), split: Set(0..<arity)),
            invalidShapes: arity < 2 ? nil : [[3, 4]] + Array(repeating: [5], count: arity - 1))
    }
}
