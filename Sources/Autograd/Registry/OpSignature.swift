/// One tensor input of an op: its name, the dtypes it takes, and whether it may
/// be omitted or stands for a list of tensors.
///
/// A string literal declares a required floating-point input, so the inputs of
/// most ops read as names: `inputs: ["a", "b"]`. The static functions declare the rest:
///
/// ```swift
/// inputs: [.tensor("input"), .indices("index"), .optional("weight"), .mask("mask")]
/// inputs: [.list("tensors")]                         // cat: any number of tensors
/// ```
public struct OpInput: Sendable, Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// Which dtypes an input takes and how it joins the op's dtype.
    public enum DTypeRule: Sendable, Equatable {
        /// Any dtype; inputs with this rule are promoted together (PyTorch's type
        /// promotion) to the dtype the op computes in, and converted to it.
        case promoted
        /// Exactly this dtype, passed as given: int64 indices, bool masks.
        case exactly(DType)
        /// Any dtype, passed as given (`converted(to:)`, `logical_not`).
        case any
    }

    /// The input's name, as error messages and signatures show it; distinct among the op's
    /// inputs and attributes.
    public var name: String
    /// Which dtypes the input takes and whether it joins the op's promoted dtype.
    public var dtypes: DTypeRule
    /// Whether a call may omit it (pass nil, or leave a trailing optional input out).
    public var isOptional: Bool
    /// Whether it stands for any number of tensors (at most one input of an op).
    public var isList: Bool
    /// Whether a gradient flows to it (for floating-point tensors that require grad).
    public var isDifferentiable: Bool

    /// An input with every property spelt out; the static functions cover the usual cases.
    ///
    /// - Parameters:
    ///   - name: the input's name, distinct among the op's inputs and attributes.
    ///   - dtypes: which dtypes it takes (default: any, promoted with the other inputs).
    ///   - optional: whether a call may omit it (default false).
    ///   - list: whether it stands for any number of tensors (default false).
    ///   - differentiable: whether a gradient flows to it (default true).
    public init(_ name: String, dtypes: DTypeRule = .promoted, optional: Bool = false, list: Bool = false,
                differentiable: Bool = true) {
        self.name = name
        self.dtypes = dtypes
        self.isOptional = optional
        self.isList = list
        self.isDifferentiable = differentiable
    }

    /// `"x"` is a required, differentiable input that joins the op's dtype.
    public init(stringLiteral name: String) { self.init(name) }

    /// A required input that joins the op's dtype.
    public static func tensor(_ name: String, differentiable: Bool = true) -> OpInput {
        OpInput(name, differentiable: differentiable)
    }

    /// An input the caller may omit (nil), such as a bias.
    public static func optional(_ name: String, differentiable: Bool = true) -> OpInput {
        OpInput(name, optional: true, differentiable: differentiable)
    }

    /// Any number of tensors, promoted together (the inputs of `cat`).
    public static func list(_ name: String) -> OpInput { OpInput(name, list: true) }

    /// An int64 tensor of indices or counts.
    public static func indices(_ name: String, optional: Bool = false) -> OpInput {
        OpInput(name, dtypes: .exactly(.int64), optional: optional, differentiable: false)
    }

    /// A bool tensor.
    public static func mask(_ name: String) -> OpInput {
        OpInput(name, dtypes: .exactly(.bool), differentiable: false)
    }

    /// The input as a signature shows it: `x`, `index: int64`, `[tensors]`, `weight?`.
    public var description: String {
        var text = name
        switch dtypes {
        case .promoted: break
        case .exactly(let d): text += ": \(d)"
        case .any: text += ": any dtype"
        }
        if isList { text = "[\(text)]" }
        return isOptional ? text + "?" : text
    }
}

/// One output of an op: its name and dtype.
///
/// A string literal declares an output in the dtype the op computes in.
public struct OpOutput: Sendable, Equatable, ExpressibleByStringLiteral {
    /// How an output's dtype follows from the call.
    public enum DTypeRule: Sendable, Equatable {
        /// The dtype the op computes in (its promoted inputs' dtype).
        case computed
        /// Always this dtype: int64 indices, bool comparisons.
        case exactly(DType)
        /// The dtype named by a string attribute (`converted(to:)`).
        case attribute(String)
        /// The dtype of input `index` as given (before promotion).
        case ofInput(Int)
    }

    /// The output's name, used in error messages and signatures.
    public var name: String
    /// How the output's dtype follows from the call.
    public var dtype: DTypeRule

    /// An output named `name`, by default in the dtype the op computes in.
    public init(_ name: String, dtype: DTypeRule = .computed) {
        self.name = name
        self.dtype = dtype
    }

    /// `"output"` is an output in the dtype the op computes in.
    public init(stringLiteral name: String) { self.init(name) }

    /// An int64 output (the indices of `max`, `argmax`).
    public static func indices(_ name: String) -> OpOutput { OpOutput(name, dtype: .exactly(.int64)) }

    /// A bool output (comparisons).
    public static func mask(_ name: String) -> OpOutput { OpOutput(name, dtype: .exactly(.bool)) }
}

/// The inputs of one call, as kernels, rules and contexts see them: one entry
/// per tensor (a list input contributes each of its tensors), nil for an
/// omitted optional input.
public struct OpInputs: RandomAccessCollection {
    let tensors: [Tensor?]

    init(_ tensors: [Tensor?]) { self.tensors = tensors }

    /// 0: the first input tensor.
    public var startIndex: Int { 0 }
    /// The number of input tensors, omitted optional ones included.
    public var endIndex: Int { tensors.count }

    /// The tensor at `index`.
    ///
    /// - Precondition: it was given (use `optional(_:)` for an input that may be omitted).
    public subscript(index: Int) -> Tensor {
        guard let t = tensors[index] else { preconditionFailure("input \(index) was omitted; read it with optional(\(index))") }
        return t
    }

    /// The tensor at `index`, or nil when the caller omitted it.
    public func optional(_ index: Int) -> Tensor? { index < tensors.count ? tensors[index] : nil }

    /// Every given tensor, in order (the tensors of a list input).
    public var given: [Tensor] { tensors.compactMap { $0 } }
}
