import CAutogradPlugin

extension PluginManifest {
    /// The plugin ABI this host speaks, from the plugin header.
    static let hostABI = Int(AUTOGRAD_PLUGIN_ABI_VERSION)
    /// Its minor version: the newest manifest fields this host knows.
    static let hostABIMinor = Int(AUTOGRAD_PLUGIN_ABI_MINOR)

    static let topLevelFields = ["abi", "abi_minor", "name", "library", "ops", "kernels"]
    static let opFields = ["name", "inputs", "attributes", "elementwise", "output", "outputs", "dtypes", "forward", "backward",
                           "jvp", "reference"]
    static let callFields = ["symbol", "args", "returns", "init_out", "map"]
    static let kernelFields = ["op", "dtype", "when"] + callFields

    /// Parses and checks a manifest. A sidecar must name its `library`; an
    /// embedded manifest describes the library it lives in and must not.
    static func parse(_ bytes: [UInt8], diagnostics: PluginDiagnostics, isSidecar: Bool) throws -> PluginManifest {
        // JSONDecoder reads UTF-16 and UTF-32 too, but the duplicate-key scan reads
        // UTF-8; such text always has a NUL byte, which UTF-8 JSON never has.
        if let nul = bytes.firstIndex(of: 0) {
            throw diagnostics.error("""
                a manifest is UTF-8 JSON, and this one has a NUL byte at offset \(nul) \
                (UTF-16 or UTF-32 text, as some editors save?)
                """)
        }
        // A UTF-8 byte-order mark, which JSONDecoder skips, is skipped for the scan too.
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw diagnostics.error("malformed JSON: \(error.message)")
        }
        if let duplicate = JSONDuplicateKey.first(in: bytes) {
            guard case .key(let key) = duplicate.path.last else { preconditionFailure("a repeated key ends its path") }
            throw diagnostics.error("'\(abbreviated(key))' appears twice in one object; JSON would keep only one of them",
                                    op: opName(at: duplicate.path, in: root), field: abbreviated(duplicate.field))
        }
        let top = ManifestField(value: root, path: "", op: nil, diagnostics: diagnostics)
        // The ABI first: a manifest for another ABI may well have fields this host does not know.
        if case .object(let dict) = root, let abiValue = dict["abi"] {
            let abi = try ManifestField(value: abiValue, path: "abi", op: nil, diagnostics: diagnostics).int()
            guard abi == hostABI else {
                throw diagnostics.error("""
                    the manifest declares plugin ABI \(abi); this host speaks ABI \(hostABI) \
                    (AUTOGRAD_PLUGIN_ABI_VERSION)
                    """, field: "abi")
            }
            // And the minor version, before a field newer than this host is read as unknown.
            if let minorValue = dict["abi_minor"] {
                let minor = try ManifestField(value: minorValue, path: "abi_minor", op: nil, diagnostics: diagnostics).int()
                guard minor >= 0 else { throw diagnostics.error("expected a minor version of 0 or more, got \(minor)", field: "abi_minor") }
                guard minor <= hostABIMinor else {
                    throw diagnostics.error("""
                        the manifest needs plugin ABI \(abi).\(minor) or later; this host speaks ABI \(hostABI).\(hostABIMinor) \
                        (AUTOGRAD_PLUGIN_ABI_MINOR): update swift-autograd to load it
                        """, field: "abi_minor")
                }
            }
        }
        let members = try top.members(allowed: topLevelFields)
        let abi = try members.required("abi").int()
        let abiMinor = try members.optional("abi_minor")?.int() ?? 0
        var library: ManifestLocation?
        if let field = members.optional("library") {
            guard isSidecar else {
                throw field.error("an embedded manifest describes its own library; 'library' belongs in a sidecar .json")
            }
            let value = try field.string()
            guard !value.isEmpty else { throw field.error("expected a library path or soname, got an empty string") }
            library = ManifestLocation(value: value, field: field.path)
        } else if isSidecar {
            throw top.error("a sidecar manifest must name the shared object in 'library' (a path or a soname)")
        }
        let ops = try members.optional("ops")?.elements().map(parseOp) ?? []
        let kernels = try members.optional("kernels")?.elements().map(parseKernel) ?? []
        if ops.isEmpty && kernels.isEmpty {
            throw top.error("the manifest declares no 'ops' and no 'kernels'")
        }
        return PluginManifest(abi: abi, abiMinor: abiMinor, name: try members.optional("name")?.string(),
                              library: library, ops: ops, kernels: kernels)
    }

    /// The op an `ops` or `kernels` entry at the start of `path` names, if it names one.
    private static func opName(at path: [JSONDuplicateKey.Component], in root: JSONValue) -> String? {
        guard path.count > 2, case .key(let list) = path[0], case .index(let i) = path[1],
              case .object(let top) = root, case .array(let entries)? = top[list], i < entries.count,
              case .object(let entry) = entries[i] else { return nil }
        let nameKey = list == "ops" ? "name" : list == "kernels" ? "op" : nil
        guard let nameKey, case .string(let name)? = entry[nameKey] else { return nil }
        return name
    }

    private static func parseOp(_ entry: ManifestField) throws -> OpSpec {
        guard case .object(let dict) = entry.value, let nameValue = dict["name"] else {
            _ = try entry.members(allowed: opFields)
            throw entry.error("missing 'name'; every op needs one")
        }
        let name = try ManifestField(value: nameValue, path: entry.path + ".name", op: nil,
                                     diagnostics: entry.diagnostics).string()
        let field = entry.inOp(name)
        let members = try field.members(allowed: opFields)
        if name.isEmpty { throw try members.required("name").error("an op needs a non-empty name") }

        let inputsField = try members.required("inputs")
        let declaredInputs = try inputsField.elements().map(parseInput)
        let inputs = declaredInputs.map(\.name)
        try checkInputNames(inputs, field: inputsField)
        if declaredInputs.allSatisfy({ $0.dtype != nil }) {
            throw inputsField.error("an op needs a floating input: its dtype picks the forward kernel")
        }
        let inputShapeOf = try zip(declaredInputs, try inputsField.elements()).map { input, element -> Int? in
            guard let other = input.shapeOf else { return nil }
            guard let index = inputs.firstIndex(of: other), other != input.name else {
                throw element.error("""
                    'shape' names '\(abbreviated(other))'; expected another input: \(inputs.filter { $0 != input.name }.joined(separator: ", "))
                    """)
            }
            return index
        }
        let attributes = try members.optional("attributes").map(parseAttributes) ?? []
        // The registry refuses this too, but without the file and field.
        if let attributesField = members.optional("attributes"), let clash = attributes.first(where: { inputs.contains($0.name) }) {
            let field = try attributesField.entries().first { $0.key == clash.name }?.field ?? attributesField
            throw field.error("'\(abbreviated(clash.name))' names both an input and an attribute")
        }
        let isElementwise = try members.optional("elementwise")?.bool() ?? false

        if isElementwise, let optional = declaredInputs.first(where: \.isOptional) {
            throw inputsField.error("'\(abbreviated(optional.name))' is optional, but an elementwise op broadcasts every input")
        }
        let lists = declaredInputs.indices.filter { declaredInputs[$0].isList }
        if lists.count > 1 { throw inputsField.error("at most one input can be a list; \(lists.map { inputs[$0] }) are") }
        if let list = lists.first {
            if isElementwise {
                throw inputsField.error("'\(abbreviated(inputs[list]))' is a list, but an elementwise op broadcasts single tensors")
            }
            if let other = inputShapeOf.firstIndex(of: list) {
                throw inputsField.error("'\(abbreviated(inputs[other]))' takes the shape of '\(abbreviated(inputs[list]))', a list input")
            }
        }
        var outputs = [OutputSpec(shape: isElementwise ? .broadcast : .sameAsInput(0), dtype: nil)]
        if let outputField = members.optional("output") ?? members.optional("outputs") {
            let key = members.optional("output") != nil ? "output" : "outputs"
            if isElementwise {
                throw outputField.error("an elementwise op's output has its inputs' broadcast shape; remove '\(key)'")
            }
            if members.optional("output") != nil, members.optional("outputs") != nil {
                throw outputField.error("an op declares 'output' (one) or 'outputs' (several), not both")
            }
            if key == "output" {
                outputs = [try parseOutput(outputField, inputs: inputs, list: lists.first.map { inputs[$0] }, attributes: attributes)]
            } else {
                outputs = try outputField.elements().map {
                    try parseOutput($0, inputs: inputs, list: lists.first.map { inputs[$0] }, attributes: attributes)
                }
                guard outputs.count >= 2 else {
                    throw outputField.error("'outputs' lists two or more (out0, out1, ...); one output is 'output'")
                }
            }
        }
        if let index = outputs.lazy.compactMap({ if case .sameAsInput(let i) = $0.shape { i } else { nil } })
            .first(where: { declaredInputs[$0].isOptional }) {
            throw (members.optional("output") ?? members.optional("outputs") ?? inputsField).error("""
                the output would have the shape of '\(abbreviated(inputs[index]))', which a call may omit; \
                declare "output" from inputs that are always given
                """)
        }

        let forwardField = try members.required("forward")
        let forward = try parseDTypeCalls(forwardField)
        if forward.isEmpty { throw forwardField.error("expected a kernel for at least one dtype") }
        let dtypes = Set(forward.keys)
        if let dtypesField = members.optional("dtypes") {
            let declared = try dtypesField.strings()
            guard Set(declared) == Set(dtypes.map(\.rawValue)), Set(declared).count == declared.count else {
                throw dtypesField.error("""
                    lists \(declared); the forward kernels are for \(dtypes.map(\.rawValue).sorted())
                    """)
            }
        }

        var backward: [String: GradientSpec] = [:]
        for (input, calls) in try members.optional("backward")?.entries() ?? [] {
            guard inputs.contains(input) else {
                throw calls.error("no input is named '\(abbreviated(input))'; the inputs are \(inputs.joined(separator: ", "))")
            }
            if let dtype = declaredInputs.first(where: { $0.name == input })?.dtype {
                throw calls.error("'\(abbreviated(input))' is a \(dtype) input: it has no gradient")
            }
            if case .string(let text) = calls.value {
                if let list = lists.first {
                    throw calls.error("""
                        '\(abbreviated(inputs[list]))' is a list input: a list input's gradients come from a kernel that \
                        fills ptr:grad_\(abbreviated(inputs[list])), and so do the others of its op
                        """)
                }
                backward[input] = try parseGradientFormula(text, field: calls, inputs: inputs, attributes: attributes,
                                                           outputNames: outputs.count == 1 ? ["out"] : outputs.indices.map { "out\($0)" })
                continue
            }
            let kernels = try parseDTypeCalls(calls)
            guard Set(kernels.keys) == dtypes else {
                throw calls.error("""
                    has kernels for \(kernels.keys.map(\.rawValue).sorted()); the forward has \
                    \(dtypes.map(\.rawValue).sorted()), and the gradient needs a kernel for each
                    """)
            }
            backward[input] = .kernels(kernels)
        }
        var jvp: ReferenceExpression?
        if let jvpField = members.optional("jvp") {
            jvp = try parseForwardFormula(try jvpField.string(), field: jvpField, inputs: declaredInputs,
                                          attributes: attributes, outputs: outputs)
        }
        return OpSpec(name: name, inputs: inputs, inputRanks: declaredInputs.map(\.rank), inputShapeOf: inputShapeOf,
                      inputDTypes: declaredInputs.map(\.dtype), optionalInputs: declaredInputs.map(\.isOptional),
                      listInput: lists.first, attributes: attributes, isElementwise: isElementwise,
                      outputs: outputs, forward: forward, backward: backward, jvp: jvp,
                      reference: try members.optional("reference")?.string(), field: field.path)
    }

    /// A backward written as a formula: one expression, over the names a gradient
    /// sees. Whether the ops it calls are registered is checked when it is bound.
    private static func parseGradientFormula(_ text: String, field: ManifestField, inputs: [String],
                                             attributes: [AttributeSpec], outputNames: [String]) throws -> GradientSpec {
        let gradients = outputNames.map { "grad_" + $0 }
        let formula = try parseFormula(
            text, field: field, role: "backward", count: 1, each: "one gradient",
            known: Set(inputs + attributes.map(\.name) + outputNames + gradients),
            knownDescription: """
                an input (\(inputs.joined(separator: ", "))), an attribute, \(outputNames.joined(separator: ", ")) or \
                \(gradients.joined(separator: ", "))
                """)
        return .formula(formula, field: field.path)
    }

    /// A forward-mode rule written as a formula (`"jvp": "x_t * cos(x)"`): one
    /// expression per floating output, separated by commas, over the inputs, their
    /// tangents (`<input>_t`, zeros for an input without one), the outputs and the
    /// attributes. Whether the ops it calls are registered is checked when it is bound.
    private static func parseForwardFormula(_ text: String, field: ManifestField, inputs: [DeclaredInput],
                                            attributes: [AttributeSpec], outputs: [OutputSpec]) throws -> ReferenceExpression {
        let names = inputs.map(\.name)
        let tangents = inputs.filter { $0.dtype == nil }.map { $0.name + "_t" }
        let outputNames = outputs.count == 1 ? ["out"] : outputs.indices.map { "out\($0)" }
        let floating = outputs.filter { $0.dtype == nil }.count
        let formula = try parseFormula(
            text, field: field, role: "jvp", count: floating, each: "one tangent per floating output (\(floating))",
            known: Set(names + tangents + attributes.map(\.name) + outputNames),
            knownDescription: """
                an input (\(names.joined(separator: ", "))), a tangent (\(tangents.joined(separator: ", "))), an attribute \
                or \(outputNames.joined(separator: ", "))
                """)
        if let clash = tangents.first(where: names.contains) {
            throw field.error("'\(abbreviated(clash))' names both an input and the tangent of another in the jvp formula")
        }
        return formula
    }

    /// A formula of a manifest's `role` field: parsed, giving `count` values, and
    /// reading only `known` names (`knownDescription` says which, for the error).
    private static func parseFormula(_ text: String, field: ManifestField, role: String, count: Int, each: String,
                                     known: Set<String>, knownDescription: String) throws -> ReferenceExpression {
        let formula: ReferenceExpression
        do {
            formula = try ReferenceExpression(text)
        } catch let error as ReferenceExpression.Error {
            throw field.error("malformed \(role) formula: \(error.message)")
        }
        let excerpt = ReferenceExpression.excerpt(text)
        guard formula.outputCount == count else {
            throw field.error("a \(role) formula gives \(each); '\(excerpt)' gives \(formula.outputCount)")
        }
        if let unknown = formula.identifiers.sorted().first(where: { !known.contains($0) }) {
            throw field.error("the \(role) formula '\(excerpt)' reads '\(abbreviated(unknown))', which is not \(knownDescription)")
        }
        return formula
    }

    /// An input as a name (`"x"`) or an object with a rank rule (`{"name": "x", "ndim": 2}`)
    /// and a shape rule (`{"name": "y", "shape": "x"}`: y has x's shape).
    private static func parseInput(_ field: ManifestField) throws -> DeclaredInput {
        if case .string(let name) = field.value { return DeclaredInput(name: name) }
        guard case .object = field.value else { throw field.error("expected an input name or an object, got \(field.value.kind)") }
        let members = try field.members(allowed: ["name", "ndim", "shape", "dtype", "optional", "list"])
        var input = DeclaredInput(name: try members.required("name").string())
        input.isOptional = try members.optional("optional")?.bool() ?? false
        if let listField = members.optional("list"), try listField.bool() {
            input.isList = true
            for (key, why) in [("optional", "a list input cannot be optional (pass a list of none instead)"),
                               ("shape", "a list input has no shape of its own to match"),
                               ("dtype", "a list input holds floating tensors")] where members.optional(key) != nil {
                throw listField.error(why)
            }
        }
        input.shapeOf = try members.optional("shape")?.string()
        if let dtypeField = members.optional("dtype") {
            let text = try dtypeField.string()
            guard let dtype = DType(rawValue: text), !dtype.isFloatingPoint else {
                throw dtypeField.error("""
                    expected int64 or bool, got '\(abbreviated(text))' (a floating input takes the op's dtype, \
                    one of its forward kernels')
                    """)
            }
            input.dtype = dtype
        }
        if let rankField = members.optional("ndim") {
            let rank = try rankField.int()
            guard rank >= 0 else { throw rankField.error("expected a rank of 0 or more, got \(rank)") }
            input.rank = rank
        }
        return input
    }

    /// An `inputs` entry.
    struct DeclaredInput {
        var name: String
        var rank: Int?
        var shapeOf: String?
        /// int64 or bool for an input of indices or a mask; nil for a floating input.
        var dtype: DType?
        /// Whether a call may omit it: its kernels then get a null pointer.
        var isOptional = false
        /// Whether it is a list of tensors (`"list": true`): its kernels get an array of pointers.
        var isList = false
    }

    /// `out`, `out0`, `out1`, ...: the names of outputs.
    static func isOutputName(_ name: String) -> Bool {
        name.hasPrefix("out") && name.dropFirst(3).allSatisfy(\.isNumber)
    }

    private static func checkInputNames(_ inputs: [String], field: ManifestField) throws {
        if inputs.isEmpty { throw field.error("an op needs at least one input (its dtype comes from the inputs)") }
        for name in inputs {
            guard TermValue.isIdentifier(name), !isOutputName(name), !name.hasPrefix("grad_") else {
                throw field.error("'\(abbreviated(name))' cannot name an input: use an identifier other than out, out<i> and grad_*")
            }
        }
        if Set(inputs).count != inputs.count { throw field.error("input names must be distinct: \(inputs)") }
    }

    private static func parseAttributes(_ field: ManifestField) throws -> [AttributeSpec] {
        try field.entries().map { name, spec in
            guard TermValue.isIdentifier(name) else { throw spec.error("an attribute name must be an identifier") }
            let members = try spec.members(allowed: ["type", "default", "values"])
            let typeField = try members.required("type")
            let scalarTypes: [String: AttributeType] = ["int": .int, "double": .double, "bool": .bool, "string": .string(allowed: [])]
            guard var type = scalarTypes[try typeField.string()] else {
                throw typeField.error("unknown attribute type '\(abbreviated(try typeField.string()))'; expected int, double, bool or string")
            }
            if let valuesField = members.optional("values") {
                guard case .string = type else { throw valuesField.error("only a string attribute lists its values") }
                let values = try valuesField.strings()
                guard !values.isEmpty else { throw valuesField.error("expected the values the attribute may take") }
                type = .string(allowed: values)
            }
            guard let defaultField = members.optional("default") else { return AttributeSpec(name, type) }
            let given: AttributeValue = switch defaultField.value {
            case .int(let v): .int(v)
            case .double(let v): .double(v)
            case .bool(let v): .bool(v)
            case .string(let v): .string(v)
            default: .absent
            }
            guard let value = type.coerce(given) else {
                throw defaultField.error("expected a default of type \(type), got \(defaultField.value.kind)")
            }
            return AttributeSpec(name, type, default: value)
        }
    }

    /// An output: its shape, and a dtype for an int64 or bool output (indices, a mask).
    private static func parseOutput(
        _ field: ManifestField, inputs: [String], list: String?, attributes: [AttributeSpec]
    ) throws -> OutputSpec {
        let members = try field.members(allowed: ["shape", "dtype"])
        var dtype: DType?
        if let dtypeField = members.optional("dtype") {
            let text = try dtypeField.string()
            guard let given = DType(rawValue: text), !given.isFloatingPoint else {
                throw dtypeField.error("expected int64 or bool, got '\(abbreviated(text))' (a floating output has the op's dtype)")
            }
            dtype = given
        }
        let shape = try parseOutputShape(members.required("shape"), inputs: inputs, list: list, attributes: attributes)
        return OutputSpec(shape: shape, dtype: dtype)
    }

    /// A list input's `dim` is its first tensor's, its `numel` all its tensors', and `len` their number.
    private static func parseOutputShape(
        _ shapeField: ManifestField, inputs: [String], list: String?, attributes: [AttributeSpec]
    ) throws -> OutputShapeSpec {
        if case .string(let input) = shapeField.value {
            guard let index = inputs.firstIndex(of: input) else {
                throw shapeField.error("no input is named '\(abbreviated(input))'; the inputs are \(inputs.joined(separator: ", "))")
            }
            return .sameAsInput(index)
        }
        return .dims(try shapeField.elements().map { element in
            let text = try element.string()
            let expected = """
                dim(<input>,<i>), numel(<input>), len(<list input>), attr.<name>, an integer, or arithmetic \
                (+ - * / and parentheses) over them
                """
            var parsed = TermValue.parse(text)
            if parsed == nil, SizeExpression<TermValue>.looksArithmetic(text) {
                switch SizeExpression.parse(text) {
                case .success(let e): parsed = .expression(e)
                case .failure(let failure): throw element.error(failure.message)
                }
            }
            guard let term = parsed else {
                throw element.error("unknown size term '\(abbreviated(text))'; expected \(expected)")
            }
            let leaves = if case .expression(let e) = term { e.leaves } else { [term] }
            for leaf in leaves {
                switch leaf {
                case .dim(let t, _), .numel(let t):
                    guard inputs.contains(t) else {
                        throw element.error("'\(abbreviated(text))' names no input; the inputs are \(inputs.joined(separator: ", "))")
                    }
                case .count(let t):
                    guard t == list else {
                        throw element.error("'\(abbreviated(text))': len() counts the tensors of a list input, and '\(abbreviated(t))' is none")
                    }
                case .attribute(let name):
                    guard attributes.contains(where: { $0.name == name && $0.type == .int }) else {
                        throw element.error("'\(abbreviated(text))' names no int attribute of this op")
                    }
                case .integer:
                    break
                default:
                    throw element.error("'\(abbreviated(text))' is not a size; expected \(expected)")
                }
            }
            return SizeTerm(value: term, text: text)
        })
    }

    /// An object from dtype names to calls, such as a forward's.
    private static func parseDTypeCalls(_ field: ManifestField) throws -> [DType: CallSpec] {
        var calls: [DType: CallSpec] = [:]
        for (key, callField) in try field.entries() {
            guard let dtype = DType(rawValue: key) else {
                throw callField.error("unknown dtype '\(abbreviated(key))'; expected \(DType.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            let members = try callField.members(allowed: callFields)
            calls[dtype] = try parseCall(members, field: callField)
        }
        return calls
    }

    private static func parseCall(_ members: ManifestField.Members, field: ManifestField) throws -> CallSpec {
        if let mapField = members.optional("map") {
            if let other = ["symbol", "args", "returns", "init_out"].first(where: { members.optional($0) != nil }) {
                throw mapField.error("a map names only the scalar C function applied per element; remove '\(other)'")
            }
            let function = try mapField.string()
            guard !function.isEmpty else { throw mapField.error("expected a C function's name, such as erf") }
            return CallSpec(symbol: function, isMap: true, arguments: [], returns: .void, bufferStart: nil, field: field.path)
        }
        let symbol = try members.required("symbol").string()
        let arguments = try members.required("args").elements().map { element in
            switch ArgumentTerm.parse(try element.string()) {
            case .success(let term): return term
            case .failure(let failure): throw element.error(failure.message)
            }
        }
        var returns = CallReturn.void
        if let returnsField = members.optional("returns") {
            switch try returnsField.string() {
            case "void": returns = .void
            case "i32": returns = .status
            case "f32": returns = .value(.f32)
            case "f64": returns = .value(.f64)
            case let other:
                throw returnsField.error("""
                    unknown return type '\(abbreviated(other))'; expected void, i32 (a status, 0 for success), \
                    or f32 or f64 (the op's 0-d value)
                    """)
            }
        }
        var bufferStart: BufferStart?
        if let startField = members.optional("init_out") {
            let text = try startField.string()
            guard text == "zeros" || TermValue.isIdentifier(text) else {
                throw startField.error("expected zeros or the name of a tensor the call sees, got '\(abbreviated(text))'")
            }
            bufferStart = text == "zeros" ? .zeros : .copy(of: text)
        }
        return CallSpec(symbol: symbol, isMap: false, arguments: arguments, returns: returns, bufferStart: bufferStart,
                        field: field.path)
    }

    private static func parseKernel(_ entry: ManifestField) throws -> KernelSpec {
        guard case .object(let dict) = entry.value, let opValue = dict["op"] else {
            _ = try entry.members(allowed: kernelFields)
            throw entry.error("missing 'op'; a kernel names the op it runs")
        }
        let op = try ManifestField(value: opValue, path: entry.path + ".op", op: nil, diagnostics: entry.diagnostics).string()
        let field = entry.inOp(op)
        let members = try field.members(allowed: kernelFields)
        let dtypeField = try members.required("dtype")
        guard let dtype = DType(rawValue: try dtypeField.string()) else {
            throw dtypeField.error("unknown dtype '\(abbreviated(try dtypeField.string()))'; expected \(DType.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        var condition = KernelCondition.always
        if let whenField = members.optional("when") {
            let text = try whenField.string()
            guard let c = KernelCondition(rawValue: text) else {
                throw whenField.error("unknown condition '\(abbreviated(text))'; expected one of: \(KernelCondition.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            condition = c
        }
        return KernelSpec(op: op, dtype: dtype, condition: condition,
                          call: try parseCall(members, field: field), field: field.path)
    }
}
