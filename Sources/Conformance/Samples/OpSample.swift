import Autograd

/// One tensor of a sample call: its shape, its values' domain, and its dtype when
/// the declaration leaves it open.
public struct InputSpec: Sendable, Equatable {
    /// The tensor's shape.
    public var shape: [Int]
    /// Where its values are drawn from.
    public var domain: ValueDomain
    /// The tensor's dtype; nil takes it from the declaration: the declared dtype of
    /// an input that takes exactly one (int64 indices, bool masks), the dtype a check
    /// runs in for the others, or int64/bool for a discrete domain.
    public var dtype: DType?

    /// One input tensor.
    ///
    /// - Parameters:
    ///   - shape: the tensor's shape.
    ///   - domain: where its values are drawn from (default `.real`).
    ///   - dtype: its dtype, or nil to take it from the declaration.
    public init(_ shape: [Int], _ domain: ValueDomain = .real, dtype: DType? = nil) {
        self.shape = shape
        self.domain = domain
        self.dtype = dtype
    }
}

/// The shapes (and, where they must differ, the attributes) of one call: one
/// entry per input tensor, nil for an omitted optional input.
public struct ShapeVariant: Sendable {
    /// One shape per input tensor; nil for an omitted optional input.
    public var shapes: [[Int]?]
    /// Replaces the sample's attributes for this call, when given.
    public var attributes: [String: AttributeValue]?

    /// A call with these input shapes.
    ///
    /// - Parameters:
    ///   - shapes: one shape per input tensor, nil for an omitted optional input.
    ///   - attributes: attributes replacing the sample's for this call, or nil to keep them.
    public init(_ shapes: [[Int]?], attributes: [String: AttributeValue]? = nil) {
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
    public var shapes: [[Int]?]
    /// The inputs cut along dim 0; the others are passed whole to every piece.
    public var splitInputs: Set<Int>
    /// How the pieces' outputs make the large output.
    public var combination: Combination
    /// Replaces the sample's attributes for the large call and its pieces, when given.
    public var attributes: [String: AttributeValue]?

    /// A large call and how to cut it.
    ///
    /// - Parameters:
    ///   - shapes: input shapes in which `-1` marks the large dimension (dim 0 of the split inputs).
    ///   - splitInputs: the inputs cut along dim 0; the others go whole to every piece.
    ///   - combination: how the pieces' outputs make the large output (default: concatenated along dim 0).
    ///   - attributes: attributes replacing the sample's, or nil to keep them.
    public init(_ shapes: [[Int]?], split splitInputs: Set<Int>, combination: Combination = .concatenate(dim: 0),
                attributes: [String: AttributeValue]? = nil) {
        self.shapes = shapes
        self.splitInputs = splitInputs
        self.combination = combination
        self.attributes = attributes
    }
}

/// How an op is exercised: its inputs, attributes, and the variants the shape and
/// layout checks call it with.
///
/// kernel-check finds one for every op it can (the samples row says where from):
/// `KernelCheck.Configuration.sample`, else the built-in table `OpSample.builtins`
/// (domains, class indices, special variants), else the first reference case of
/// the op, else one synthesised from the op's declaration. `inputs` has one entry
/// per tensor of a call, as `OpRegistry.call` takes them: a list input
/// contributes one per tensor, an omitted optional input is nil.
///
/// ```swift
/// var configuration = KernelCheck.Configuration()
/// configuration.sample = OpSample(inputs: [InputSpec([4, 3]), InputSpec([4], .classIndices(count: 3))],
///                                 attributes: ["reduction": "sum"])
/// ```
public struct OpSample: Sendable {
    /// One entry per tensor of a call, as `OpRegistry.call` takes them; nil for an omitted optional input.
    public var inputs: [InputSpec?]
    /// The attributes of every call, unless a variant replaces them.
    public var attributes: [String: AttributeValue]
    /// Whether the op's reference gives its results for NaN, ±Inf and extreme
    /// inputs too (false for a formula that agrees on moderate values only).
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
    public var invalidShapes: [[Int]?]?
    /// Where the sample came from, for reports; set by kernel-check.
    public var source: String

    /// A sample of `inputs` and `attributes`; the variants are optional.
    ///
    /// - Parameters:
    ///   - inputs: one entry per tensor of a call; nil for an omitted optional input.
    ///   - attributes: the attributes of every call.
    ///   - referenceCoversSpecialValues: whether the reference holds for NaN, ±Inf and extreme inputs
    ///     (default true).
    ///   - zeroDim: a call with 0-d inputs.
    ///   - emptyDim: a call with a zero-length dimension.
    ///   - broadcast: inputs that broadcast (elementwise ops only).
    ///   - large: the large call and how to cut it.
    ///   - allowsExpandedInputs: whether inputs may be stride-0 (expanded) views (default true).
    ///   - invalidShapes: input shapes the op must reject.
    ///   - source: where the sample came from, for reports.
    public init(
        inputs: [InputSpec?], attributes: [String: AttributeValue] = [:],
        referenceCoversSpecialValues: Bool = true, zeroDim: ShapeVariant? = nil, emptyDim: ShapeVariant? = nil,
        broadcast: ShapeVariant? = nil, large: LargeVariant? = nil, allowsExpandedInputs: Bool = true,
        invalidShapes: [[Int]?]? = nil, source: String = "from the configuration"
    ) {
        self.inputs = inputs
        self.attributes = attributes
        self.referenceCoversSpecialValues = referenceCoversSpecialValues
        self.zeroDim = zeroDim
        self.emptyDim = emptyDim
        self.broadcast = broadcast
        self.large = large
        self.allowsExpandedInputs = allowsExpandedInputs
        self.invalidShapes = invalidShapes
        self.source = source
    }

    /// The default for an elementwise op of `arity` inputs: [3, 4] inputs of `domain`,
    /// with 0-d, empty, broadcast and large variants.
    public static func elementwise(
        arity: Int, domain: ValueDomain = .real, attributes: [String: AttributeValue] = [:],
        referenceCoversSpecialValues: Bool = true
    ) -> OpSample {
        elementwise(Array(repeating: domain, count: arity), attributes: attributes,
                    referenceCoversSpecialValues: referenceCoversSpecialValues)
    }

    /// The default for an elementwise op with one domain per input (a bool mask, say).
    public static func elementwise(
        _ domains: [ValueDomain], attributes: [String: AttributeValue] = [:], referenceCoversSpecialValues: Bool = true
    ) -> OpSample {
        let arity = domains.count
        let broadcastShapes: [[Int]] = [[2, 1, 4], [3, 1], [4], [2, 3, 1]]
        return OpSample(
            inputs: domains.map { InputSpec([3, 4], $0) }, attributes: attributes,
            referenceCoversSpecialValues: referenceCoversSpecialValues,
            zeroDim: ShapeVariant(Array(repeating: [], count: arity)),
            emptyDim: ShapeVariant(Array(repeating: [0, 4], count: arity)),
            broadcast: arity < 2 ? nil : ShapeVariant((0..<arity).map { broadcastShapes[$0 % broadcastShapes.count] }),
            large: LargeVariant(Array(repeating: [-1], count: arity), split: Set(0..<arity)),
            invalidShapes: arity < 2 ? nil : [[3, 4]] + Array(repeating: [5], count: arity - 1))
    }

    /// This sample with each continuous input in `domain` instead.
    func withContinuousDomain(_ domain: ValueDomain) -> OpSample {
        var copy = self
        copy.inputs = inputs.map { spec in
            guard var spec, !spec.domain.isDiscrete else { return spec }
            spec.domain = domain
            return spec
        }
        return copy
    }
}
