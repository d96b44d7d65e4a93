/// A reference expression, parsed: the formula an op's `reference` gives over
/// built-in ops, its input names and its attribute names.
///
/// The grammar is Python's for the part it covers: numbers, identifiers, `+ - * /`,
/// right-associative `**` binding tighter than unary minus (`-x ** 2` is `-(x ** 2)`),
/// parentheses, list literals `[a, b]`, `true`/`false`, and calls of registered ops
/// with tensor arguments and keyword attributes:
///
/// ```
/// log(1 + exp(beta * x)) / beta
/// exp(x) / sum(exp(x), dims=[dim], keepdim=true)
/// ```
public struct ReferenceExpression: Sendable, CustomStringConvertible {
    indirect enum Node: Sendable {
        case number(Double)
        case boolean(Bool)
        case identifier(String)
        case list([Node])
        case negate(Node)
        case binary(Character, Node, Node)
        /// `**` is kept apart from the one-character operators.
        case power(Node, Node)
        case call(String, arguments: [Node], keywords: [(String, Node)])
    }

    /// The text it was parsed from.
    public let source: String
    let root: Node

    /// Parses `source`.
    ///
    /// - Throws: `ReferenceExpression.Error` naming the position and what was expected.
    public init(_ source: String) throws {
        self.source = source
        var parser = Parser(tokens: try Self.tokenize(source), source: source)
        root = try parser.parseExpression()
        if let token = parser.peek {
            throw parser.error("end of expression", at: token)
        }
    }

    public var description: String { source }

    /// The identifiers the expression reads (not the functions it calls).
    public var identifiers: Set<String> {
        var names = Set<String>()
        func walk(_ node: Node) {
            switch node {
            case .identifier(let name): names.insert(name)
            case .list(let items): items.forEach(walk)
            case .negate(let x): walk(x)
            case .binary(_, let a, let b), .power(let a, let b): walk(a); walk(b)
            case .call(_, let arguments, let keywords):
                arguments.forEach(walk)
                keywords.forEach { walk($0.1) }
            case .number, .boolean: break
            }
        }
        walk(root)
        return names
    }

    /// The functions (op names) the expression calls.
    public var functions: Set<String> {
        var names = Set<String>()
        func walk(_ node: Node) {
            switch node {
            case .call(let name, let arguments, let keywords):
                names.insert(name)
                arguments.forEach(walk)
                keywords.forEach { walk($0.1) }
            case .list(let items): items.forEach(walk)
            case .negate(let x): walk(x)
            case .binary(_, let a, let b), .power(let a, let b): walk(a); walk(b)
            case .number, .boolean, .identifier: break
            }
        }
        walk(root)
        return names
    }

    /// A parse or evaluation error, with the expression it came from.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    // MARK: - Tokens

    enum Token: Equatable {
        case number(Double), identifier(String), symbol(String)
    }

    struct Located {
        let token: Token
        let offset: Int
    }

    static func tokenize(_ source: String) throws -> [Located] {
        let chars = Array(source)
        var tokens: [Located] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                let start = i
                while i < chars.count, chars[i].isNumber || chars[i] == "." { i += 1 }
                if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                    var j = i + 1
                    if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                    if j < chars.count, chars[j].isNumber {
                        i = j
                        while i < chars.count, chars[i].isNumber { i += 1 }
                    }
                }
                let text = String(chars[start..<i])
                guard let value = Double(text) else {
                    throw Error(message: "reference '\(source)': malformed number '\(text)' at offset \(start)")
                }
                tokens.append(Located(token: .number(value), offset: start))
            } else if c.isLetter || c == "_" {
                let start = i
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "." { i += 1 }
                tokens.append(Located(token: .identifier(String(chars[start..<i])), offset: start))
            } else if c == "*", i + 1 < chars.count, chars[i + 1] == "*" {
                tokens.append(Located(token: .symbol("**"), offset: i))
                i += 2
            } else if "+-*/()[],=".contains(c) {
                tokens.append(Located(token: .symbol(String(c)), offset: i))
                i += 1
            } else {
                throw Error(message: "reference '\(source)': unexpected character '\(c)' at offset \(i)")
            }
        }
        return tokens
    }

    // MARK: - Parser

    /// Recursive descent, one function per precedence level.
    struct Parser {
        let tokens: [Located]
        let source: String
        var position = 0

        var peek: Located? { position < tokens.count ? tokens[position] : nil }

        func error(_ expected: String, at token: Located?) -> Error {
            guard let token else {
                return Error(message: "reference '\(source)': expected \(expected), got the end of the expression")
            }
            return Error(message: "reference '\(source)': expected \(expected) at offset \(token.offset), got \(token.token)")
        }

        mutating func take(_ symbol: String) -> Bool {
            if peek?.token == .symbol(symbol) {
                position += 1
                return true
            }
            return false
        }

        mutating func expect(_ symbol: String) throws {
            guard take(symbol) else { throw error("'\(symbol)'", at: peek) }
        }

        mutating func parseExpression() throws -> Node {
            var node = try parseTerm()
            while let op = ["+", "-"].first(where: { peek?.token == .symbol($0) }) {
                position += 1
                node = .binary(Character(op), node, try parseTerm())
            }
            return node
        }

        mutating func parseTerm() throws -> Node {
            var node = try parseUnary()
            while let op = ["*", "/"].first(where: { peek?.token == .symbol($0) }) {
                position += 1
                node = .binary(Character(op), node, try parseUnary())
            }
            return node
        }

        mutating func parseUnary() throws -> Node {
            if take("-") { return .negate(try parseUnary()) }
            if take("+") { return try parseUnary() }
            return try parsePower()
        }

        mutating func parsePower() throws -> Node {
            let base = try parsePrimary()
            if take("**") { return .power(base, try parseUnary()) }
            return base
        }

        mutating func parsePrimary() throws -> Node {
            guard let token = peek else { throw error("a number, a name or '('", at: nil) }
            position += 1
            switch token.token {
            case .number(let value):
                return .number(value)
            case .identifier("true"):
                return .boolean(true)
            case .identifier("false"):
                return .boolean(false)
            case .identifier(let name):
                guard take("(") else { return .identifier(name) }
                return try parseCall(name)
            case .symbol("("):
                let inner = try parseExpression()
                try expect(")")
                return inner
            case .symbol("["):
                var items: [Node] = []
                if !take("]") {
                    repeat { items.append(try parseExpression()) } while take(",")
                    try expect("]")
                }
                return .list(items)
            default:
                throw error("a number, a name or '('", at: token)
            }
        }

        mutating func parseCall(_ name: String) throws -> Node {
            var arguments: [Node] = []
            var keywords: [(String, Node)] = []
            if take(")") { return .call(name, arguments: [], keywords: []) }
            repeat {
                if case .identifier(let key)? = peek?.token, position + 1 < tokens.count,
                   tokens[position + 1].token == .symbol("=") {
                    position += 2
                    keywords.append((key, try parseExpression()))
                } else {
                    guard keywords.isEmpty else { throw error("a keyword argument after keyword arguments", at: peek) }
                    arguments.append(try parseExpression())
                }
            } while take(",")
            try expect(")")
            return .call(name, arguments: arguments, keywords: keywords)
        }
    }
}
