import Foundation
@testable import Autograd

/// Evaluates a manifest's `reference` expression with built-in ops, the way the
/// conformance tool does: `+ - * / **`, unary minus, numbers, input and
/// attribute names, and calls of ops by name such as `exp(x)`.
struct ReferenceExpression {
    enum Value {
        case tensor(Tensor)
        case number(Double)
    }

    private let tokens: [String]
    private var position = 0
    private let names: [String: Value]
    private let like: Tensor

    /// Evaluates `text` with `inputs` bound to tensors and `attributes` to numbers.
    static func evaluate(_ text: String, inputs: [String: Tensor], attributes: [String: Double]) throws -> Tensor {
        var names = inputs.mapValues(Value.tensor)
        for (k, v) in attributes { names[k] = .number(v) }
        var parser = ReferenceExpression(tokens: tokenize(text), names: names, like: inputs.values.first!)
        let value = try parser.sum()
        guard parser.position == parser.tokens.count else { throw ParseError("unexpected '\(parser.tokens[parser.position])'") }
        return parser.tensor(value)
    }

    struct ParseError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private init(tokens: [String], names: [String: Value], like: Tensor) {
        self.tokens = tokens
        self.names = names
        self.like = like
    }

    private static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var chars = Array(text)[...]
        while let c = chars.first {
            if c.isWhitespace { chars.removeFirst(); continue }
            if c == "*" && chars.dropFirst().first == "*" { tokens.append("**"); chars.removeFirst(2); continue }
            if "+-*/(),".contains(c) { tokens.append(String(c)); chars.removeFirst(); continue }
            let word = chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            tokens.append(String(word))
            chars.removeFirst(Swift.max(word.count, 1))
        }
        return tokens
    }

    private var peek: String? { position < tokens.count ? tokens[position] : nil }

    private mutating func take(_ token: String) -> Bool {
        guard peek == token else { return false }
        position += 1
        return true
    }

    private func tensor(_ v: Value) -> Tensor {
        switch v {
        case .tensor(let t): t
        case .number(let n): Tensor.full([], n, dtype: like.dtype)
        }
    }

    private func apply(_ op: String, _ a: Value, _ b: Value) throws -> Value {
        if case .number(let x) = a, case .number(let y) = b {
            switch op {
            case "+": return .number(x + y)
            case "-": return .number(x - y)
            case "*": return .number(x * y)
            case "/": return .number(x / y)
            default: return .number(Foundation.pow(x, y))
            }
        }
        let name = ["+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"][op]!
        return .tensor(try OpRegistry.shared.call(name, [tensor(a), tensor(b)]))
    }

    private mutating func sum() throws -> Value {
        var value = try product()
        while let op = peek, op == "+" || op == "-" {
            position += 1
            value = try apply(op, value, try product())
        }
        return value
    }

    private mutating func product() throws -> Value {
        var value = try unary()
        while let op = peek, op == "*" || op == "/" {
            position += 1
            value = try apply(op, value, try unary())
        }
        return value
    }

    private mutating func unary() throws -> Value {
        if take("-") {
            switch try unary() {
            case .number(let n): return .number(-n)
            case .tensor(let t): return .tensor(try OpRegistry.shared.call("neg", [t]))
            }
        }
        let base = try primary()
        return take("**") ? try apply("**", base, try unary()) : base
    }

    private mutating func primary() throws -> Value {
        guard let token = peek else { throw ParseError("unexpected end") }
        position += 1
        if token == "(" {
            let value = try sum()
            guard take(")") else { throw ParseError("expected )") }
            return value
        }
        if let n = Double(token) { return .number(n) }
        if take("(") {
            var arguments: [Tensor] = []
            repeat { arguments.append(tensor(try sum())) } while take(",")
            guard take(")") else { throw ParseError("expected ) after the arguments of \(token)") }
            return .tensor(try OpRegistry.shared.call(token, arguments))
        }
        guard let value = names[token] else { throw ParseError("unknown name '\(token)'") }
        return value
    }
}
