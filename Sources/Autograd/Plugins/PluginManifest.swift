/// A plugin's manifest, parsed and checked field by field but not yet bound to
/// a library: what the README's "C kernel plugins" section documents.
struct PluginManifest: Sendable {
    var abi: Int
    /// The least minor version of the host's ABI the manifest needs (`abi_minor`, default 0).
    var abiMinor: Int
    var name: String?
    /// The library a sidecar manifest names; nil for an embedded manifest.
    var library: ManifestLocation?
    var ops: [OpSpec]
    var kernels: [KernelSpec]
}

/// A manifest value and its field path, kept for errors found after parsing
/// (a symbol the library lacks, a tensor name that fits no input).
struct ManifestLocation: Sendable {
    let value: String
    let field: String
}

/// One C function call: which symbol, with which arguments, returning what.
struct CallSpec: Sendable {
    let symbol: String
    /// Whether `symbol` is a scalar function applied per element (`"map"`): then
    /// there are no arguments to declare.
    let isMap: Bool
    let arguments: [ArgumentTerm]
    let returns: CallReturn
    /// What the buffer the call fills holds before it (`init_out`); nil: uninitialised.
    let bufferStart: BufferStart?
    /// Where it was declared, such as `ops[0].forward.float32`.
    let field: String
}

/// What a kernel's C function returns.
enum CallReturn: Sendable, Equatable {
    case void
    /// An `i32` status, 0 for success.
    case status
    /// The op's value (`f32` or `f64`), its 0-d output, as `cblas_sdot` returns a dot product.
    case value(ArgumentType)
}

/// What the buffer a call fills starts as, for a C API that updates its
/// argument in place (`cblas_sscal`) or accumulates into it (`cblas_saxpy`).
enum BufferStart: Sendable {
    case zeros
    /// A copy of a tensor the call sees (`"init_out": "x"`).
    case copy(of: String)
}

/// An `ops` entry: a new differentiable op.
struct OpSpec: Sendable {
    let name: String
    let inputs: [String]
    /// Per input, the rank it must have (`"ndim"`), or nil for any rank.
    let inputRanks: [Int?]
    /// Per input, the index of the input whose shape it must have (`"shape": "x"`), if any.
    let inputShapeOf: [Int?]
    /// Per input, int64 or bool for indices or a mask (`"dtype"`); nil for a floating input.
    let inputDTypes: [DType?]
    /// Per input, whether a call may omit it (`"optional": true`).
    let optionalInputs: [Bool]
    /// The index of the input that is a list of tensors (`"list": true`), if any.
    let listInput: Int?
    let attributes: [AttributeSpec]
    let isElementwise: Bool
    /// One entry per output: `out`, or `out0`, `out1`, ... for several.
    let outputs: [OutputSpec]
    let forward: [DType: CallSpec]
    /// Per input name, how that input's gradient is computed.
    let backward: [String: GradientSpec]
    /// The forward-mode rule as a formula (`"jvp"`), if declared.
    let jvp: ReferenceExpression?
    let reference: String?
    let field: String

    /// Whether the op has one output, declared 0-d (`"output": {"shape": []}`).
    var returnsScalar: Bool {
        if outputs.count == 1, case .dims(let sizes) = outputs[0].shape { sizes.isEmpty } else { false }
    }

    /// The names its calls see for the outputs and their upstream gradients.
    var outputNames: [String] { outputs.count == 1 ? ["out"] : outputs.indices.map { "out\($0)" } }
    var gradOutputNames: [String] { outputNames.map { "grad_" + $0 } }
}

/// One output of an op.
struct OutputSpec: Sendable {
    let shape: OutputShapeSpec
    /// int64 or bool for an output of indices or a mask; nil for the op's dtype.
    let dtype: DType?
}

/// How a plugin op computes one input's gradient.
enum GradientSpec: Sendable {
    /// One C kernel per forward dtype, filling `grad_<input>`: first order only.
    case kernels([DType: CallSpec])
    /// A formula over registered ops (`grad_out * sigmoid(x)`), of the inputs, `out`,
    /// `grad_out` and the attributes: recorded like any op, so differentiable again.
    case formula(ReferenceExpression, field: String)

    var kernels: [DType: CallSpec] {
        if case .kernels(let calls) = self { calls } else { [:] }
    }

    /// Whether the gradient reads the op's output.
    var readsOutput: Bool {
        switch self {
        case .kernels(let calls):
            calls.values.contains { $0.arguments.contains { $0.value.tensorName.map(PluginManifest.isOutputName) ?? false } }
        case .formula(let formula, _): formula.identifiers.contains(where: PluginManifest.isOutputName)
        }
    }
}

/// How an op's output shape follows from its inputs.
enum OutputShapeSpec: Sendable {
    /// The inputs broadcast together (elementwise ops).
    case broadcast
    /// The shape of the input at this index.
    case sameAsInput(Int)
    /// One size per dim: a term (`dim(a,0)`, `numel(x)`, `attr.n`, `3`) or arithmetic over terms.
    case dims([SizeTerm])
}

/// An output size as parsed, with its text for errors at call time.
struct SizeTerm: Sendable {
    let value: TermValue
    let text: String
}

/// A `kernels` entry: a faster kernel for an existing op.
struct KernelSpec: Sendable {
    let op: String
    let dtype: DType
    let condition: KernelCondition
    let call: CallSpec
    let field: String
}

/// When a `kernels` entry runs instead of the op's own kernel.
enum KernelCondition: String, Sendable, CaseIterable {
    case always
    /// Every input is 2-D, with any strides (terms `ld` and `cblas_trans` describe them).
    case twoD = "2d"
    /// Every input is 2-D and contiguous.
    case twoDContiguous = "2d-contiguous"

    func holds(for inputs: [Tensor]) -> Bool {
        switch self {
        case .always: true
        case .twoD: inputs.allSatisfy { $0.rank == 2 }
        case .twoDContiguous: inputs.allSatisfy { $0.rank == 2 && $0.isContiguous }
        }
    }
}
