extension ReferenceExpression {
    /// A value during evaluation.
    enum Value {
        case tensor(Tensor)
        /// The outputs of an op with several, as the whole expression.
        case tensors([Tensor])
        /// A list input, which only an op's argument may be (spliced in, as ops take lists).
        case tensorList([Tensor])
        case number(Double)
        case list([Double])
        case boolean(Bool)
        case string(String)
    }

    /// Evaluates the expression with the ops of `registry` on `inputs` as they are:
    /// recorded when gradients are on (a plugin's backward formula is differentiable
    /// again), and with each number that meets a tensor made a 0-d tensor of `numberDType`.
    ///
    /// - Returns: one tensor per output (a number result becomes a 0-d tensor).
    /// - Throws: `ReferenceExpression.Error` for an unknown name or a value of the
    ///   wrong kind; the registry's error when an op rejects its arguments.
    package func evaluateOutputs(tensors inputs: [String: Tensor], lists: [String: [Tensor]] = [:],
                                 attributes: [String: AttributeValue], registry: OpRegistry,
                                 numberDType: DType) throws -> [Tensor] {
        let evaluator = Evaluator(expression: self, inputs: inputs, lists: lists, attributes: attributes, registry: registry,
                                  numberDType: numberDType)
        if outputs.count == 1, case .tensors(let all) = try evaluator.evaluate(outputs[0], whole: true) { return all }
        return try outputs.map { node in
            switch try evaluator.evaluate(node) {
            case .tensor(let t): return t
            case .number(let n): return Tensor(shape: [], scalars: [n], dtype: numberDType)
            case .tensors, .tensorList, .list, .boolean, .string:
                throw Error(message: "reference '\(Self.excerpt(source))': an output is not a tensor or a number")
            }
        }
    }

    /// The problems of this expression as a formula (`role`: a reference, a backward)
    /// of an op with these inputs and attributes in `registry`: unknown names and functions.
    package func problems(inputs: [String], attributes: [String], registry: OpRegistry,
                          role: String = "reference") -> [String] {
        var problems: [String] = []
        let known = Set(inputs + attributes)
        for name in identifiers.sorted() where !known.contains(name) {
            problems.append("\(role) '\(Self.excerpt(source))': '\(name)' is neither an input (\(inputs.joined(separator: ", "))) nor an attribute")
        }
        for name in functions.sorted() where !registry.contains(name) {
            problems.append("\(role) '\(Self.excerpt(source))': calls '\(name)', which is not a registered op")
        }
        return problems
    }

    private struct Evaluator {
        let expression: ReferenceExpression
        let inputs: [String: Tensor]
        let lists: [String: [Tensor]]
        let attributes: [String: AttributeValue]
        let registry: OpRegistry
        let numberDType: DType

        func fail(_ message: String) -> Error {
            Error(message: "reference '\(ReferenceExpression.excerpt(expression.source))': \(message)")
        }

        /// Evaluates `node`.
        ///
        /// - Parameters:
        ///   - node: the subexpression to evaluate.
        ///   - whole: whether `node` is the whole expression, where a call of
        ///     an op with several outputs gives them all.
        func evaluate(_ node: Node, whole: Bool = false) throws -> Value {
            if whole, case .call(let name, let arguments, let keywords) = node {
                return try call(name, arguments, keywords, whole: true)
            }
            switch node {
            case .number(let value): return .number(value)
            case .boolean(let value): return .boolean(value)
            case .identifier(let name): return try lookUp(name)
            case .list(let items):
                return .list(try items.map { item in
                    guard case .number(let n) = try evaluate(item) else { throw fail("list items must be numbers") }
                    return n
                })
            case .negate(let x):
                switch try evaluate(x) {
                case .number(let n): return .number(-n)
                case .tensor(let t): return .tensor(try registry.call("neg", [t]))
                default: throw fail("'-' needs a tensor or a number")
                }
            case .binary(let op, let a, let b):
                return try arithmetic(op, try evaluate(a), try evaluate(b))
            case .power(let a, let b):
                return try power(try evaluate(a), try evaluate(b))
            case .call(let name, let arguments, let keywords):
                return try call(name, arguments, keywords)
            }
        }

        func lookUp(_ name: String) throws -> Value {
            if let tensor = inputs[name] { return .tensor(tensor) }
            if let list = lists[name] { return .tensorList(list) }
            guard let attribute = attributes[name] else {
                throw fail("'\(name)' is neither an input given to this call nor an attribute")
            }
            switch attribute {
            case .int(let v): return .number(Double(v))
            case .double(let v): return .number(v)
            case .bool(let v): return .boolean(v)
            case .ints(let v): return .list(v.map(Double.init))
            case .absent: throw fail("attribute '\(name)' has no value")
            case .string(let v): return .string(v)
            }
        }

        func scalar(_ n: Double) -> Tensor { Tensor(shape: [], scalars: [n], dtype: numberDType) }

        func arithmetic(_ op: Character, _ a: Value, _ b: Value) throws -> Value {
            if case .number(let x) = a, case .number(let y) = b {
                switch op {
                case "+": return .number(x + y)
                case "-": return .number(x - y)
                case "*": return .number(x * y)
                default: return .number(x / y)
                }
            }
            let name = ["+": "add", "-": "sub", "*": "mul", "/": "div"][op]!
            return .tensor(try registry.call(name, [try tensor(a, for: op), try tensor(b, for: op)]))
        }

        func power(_ a: Value, _ b: Value) throws -> Value {
            switch (a, b) {
            case (.number(let x), .number(let y)):
                return .number(Double.cPow(x, y))
            case (.tensor(let x), .number(let y)):
                return .tensor(try registry.call("pow_scalar", [x], attributes: ["exponent": .double(y)]))
            default:
                return .tensor(try registry.call("pow", [try tensor(a, for: "*"), try tensor(b, for: "*")]))
            }
        }

        func tensor(_ value: Value, for op: Character) throws -> Tensor {
            switch value {
            case .tensor(let t): return t
            case .number(let n): return scalar(n)
            default: throw fail("'\(op == "*" ? "**" : String(op))' needs tensors or numbers")
            }
        }

        func call(_ name: String, _ arguments: [Node], _ keywords: [(String, Node)], whole: Bool = false) throws -> Value {
            let op: Op
            do {
                op = try registry.op(named: name)
            } catch {
                throw fail("calls '\(name)', which is not a registered op")
            }
            var tensors: [Tensor] = []
            for argument in arguments {
                let value = try evaluate(argument)
                if case .tensorList(let list) = value { tensors += list } else { tensors.append(try tensor(value, for: "+")) }
            }
            var given: [String: AttributeValue] = [:]
            for (key, node) in keywords {
                guard let spec = op.definition.attributes.first(where: { $0.name == key }) else {
                    throw fail("'\(name)' has no attribute '\(key)'")
                }
                given[key] = try attribute(try evaluate(node), as: spec.type, key: key)
            }
            let results = try op.callOutputs(tensors, attributes: given)
            if results.count == 1 { return .tensor(results[0]) }
            guard whole else {
                throw fail("'\(name)' gives \(results.count) outputs; a reference can call it only as its whole expression")
            }
            return .tensors(results)
        }

        func attribute(_ value: Value, as type: AttributeType, key: String) throws -> AttributeValue {
            switch (value, type) {
            case (.number(let n), .int) where n == n.rounded(): return .int(Int(n))
            case (.number(let n), .double): return .double(n)
            case (.boolean(let b), .bool): return .bool(b)
            case (.list(let items), .ints) where items.allSatisfy { $0 == $0.rounded() }: return .ints(items.map { Int($0) })
            case (.number(let n), .ints) where n == n.rounded(): return .ints([Int(n)])
            case (.string(let v), .string): return .string(v)
            default: throw fail("attribute '\(key)' expects \(type), got \(value)")
            }
        }
    }
}
