/// A reference expression, parsed: the formula an op's `reference` gives over
/// built-in ops, its input names and its attribute names; a plugin's manifest
/// writes a backward formula (`grad_out * sigmoid(x)`) in the same grammar.
///
/// The grammar is Python's for the part it covers: numbers, identifiers, `+ - * /`,
/// right-associative `**` binding tighter than unary minus (`-x ** 2` is `-(x ** 2)`),
/// parentheses, list literals `[a, b]`, `true`/`false`, and calls of registered ops
/// with tensor arguments and keyword attributes. An op with several outputs gives
/// one expression per output, separated by commas at the top level:
///
/// ```
/// log(1 + exp(beta * x)) / beta
/// exp(x) / sum(exp(x), dims=[dim], keepdim=true)
/// amax(x, dims=[dim], keepdim=keepdim), argmax(x, dim=dim, keepdim=keepdim)
/// ```
///
/// A reference is a formula, not a program: at most `maximumDepth` levels of
/// nesting and `maximumTokens` tokens, so that checking it never runs out of stack.
public struct ReferenceExpression: Sendable, CustomStringConvertible {
    /// Only the cases that hold nodes are boxed (see `SizeExpression`: a wholly
    /// `indirect` enum hides its boxes from LeakSanitizer). `call` is boxed too:
    /// inline, its keyword array's pointer carried the case in its spare bits, and
    /// LeakSanitizer reported the array of every kept formula with keywords as leaked.
    enum Node: Sendable {
        case number(Double)
        case boolean(Bool)
        case identifier(String)
        case list([Node])
        indirect case negate(Node)
        indirect case binary(Character, Node, Node)
        /// `**` is kept apart from the one-character operators.
        indirect case power(Node, Node)
        indirect case call(String, arguments: [Node], keywords: [(String, Node)])
    }

    /// The deepest nesting a reference may have: operators and calls inside one another.
    public static let maximumDepth = 200
    /// The most tokens a reference may have.
    public static let maximumTokens = 10_000

    /// The text it was parsed from.
    public let source: String
    /// One expression per output.
    let outputs: [Node]

    /// The first output's expression.
    var root: Node { outputs[0] }

    /// Parses `source`.
    ///
    /// - Throws: `ReferenceExpression.Error` naming the position and what was
    ///   expected, or saying that the reference is too long or too deeply nested.
    public init(_ source: String) throws {
        self.source = source
        let tokens = try Self.tokenize(source)
        guard tokens.count <= Self.maximumTokens else {
            throw Error(message: """
                reference '\(Self.excerpt(source))': \(tokens.count) tokens; a reference may have at most \
                \(Self.maximumTokens) (write the formula, not an unrolled computation)
                """)
        }
        var parser = Parser(tokens: tokens, source: source)
        var outputs = [try parser.parseExpression().node]
        while parser.take(",") { outputs.append(try parser.parseExpression().node) }
        if let token = parser.peek {
            throw parser.error("end of expression", at: token)
        }
        self.outputs = outputs
    }

    /// The expression's source text, as it was parsed.
    public var description: String { source }

    /// How many outputs the expression gives (commas at the top level).
    public var outputCount: Int { outputs.count }

    /// The source, cut for messages: a declaration error must not echo a megabyte.
    package static func excerpt(_ source: String) -> String {
        source.count <= 120 ? source : String(source.prefix(100)) + "... (\(source.count) characters)"
    }

    /// The identifiers the expression reads (not the functions it calls).
    public var identifiers: Set<String> {
        Set(leaves.compactMap { if case .identifier(let name) = $0 { name } else { nil } })
    }

    /// The numbers written in the expression, where its value may change course
    /// (`x + 3` turns at -3 under a clamp).
    public var numbers: [Double] {
        leaves.compactMap { if case .number(let value) = $0 { value } else { nil } }
    }

    /// The expression's leaves (numbers, booleans, identifiers), in reading order.
    private var leaves: [Node] {
        var found: [Node] = []
        func walk(_ node: Node) {
            switch node {
            case .number, .boolean, .identifier: found.append(node)
            case .list(let items): items.forEach(walk)
            case .negate(let x): walk(x)
            case .binary(_, let a, let b), .power(let a, let b): walk(a); walk(b)
            case .call(_, let arguments, let keywords):
                arguments.forEach(walk)
                keywords.forEach { walk($0.1) }
            }
        }
        outputs.forEach(walk)
        return found
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
        outputs.forEach(walk)
        return names
    }

    /// A parse or evaluation error, with the expression it came from.
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        /// What went wrong, with the expression it came from.
        public let message: String
        /// The error's `message`.
        public var description: String { message }

        package init(message: String) { self.message = message }
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
                    throw Error(message: "reference '\(excerpt(source))': malformed number '\(text)' at offset \(start)")
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
                throw Error(message: "reference '\(excerpt(source))': unexpected character '\(c)' at offset \(i)")
            }
        }
        return tokens
    }

    // MARK: - Parser

    /// Recursive descent, one function per precedence level. Each function returns
    /// its node and the node's height, so that nesting too deep to evaluate (or to
    /// free: an indirect enum frees recursively) is refused as it is read.
    struct Parser {
        typealias Parsed = (node: Node, height: Int)

        let tokens: [Located]
        let source: String
        var position = 0
        /// How deep the parser's own recursion is, so parentheses cannot overflow it.
        var depth = 0

        var peek: Located? { position < tokens.count ? tokens[position] : nil }

        func error(_ expected: String, at token: Located?) -> Error {
            let text = ReferenceExpression.excerpt(source)
            guard let token else {
                return Error(message: "reference '\(text)': expected \(expected), got the end of the expression")
            }
            return Error(message: "reference '\(text)': expected \(expected) at offset \(token.offset), got \(token.token)")
        }

        /// `height` checked against the limit.
        func checked(_ node: Node, height: Int) throws -> Parsed {
            guard height <= ReferenceExpression.maximumDepth else { throw tooDeep() }
            return (node, height)
        }

        func tooDeep() -> Error {
            Error(message: """
                reference '\(ReferenceExpression.excerpt(source))': nests deeper than \(ReferenceExpression.maximumDepth) \
                levels of operators and calls (near offset \(peek?.offset ?? source.count)); write the formula, \
                not an unrolled computation
                """)
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

        /// Runs a nested parse one level deeper, refusing nesting past the limit.
        mutating func nested(_ body: (inout Parser) throws -> Parsed) throws -> Parsed {
            depth += 1
            defer { depth -= 1 }
            guard depth <= ReferenceExpression.maximumDepth else { throw tooDeep() }
            return try body(&self)
        }

        mutating func parseExpression() throws -> Parsed {
            var (node, height) = try parseTerm()
            while let op = ["+", "-"].first(where: { peek?.token == .symbol($0) }) {
                position += 1
                let right = try parseTerm()
                (node, height) = try checked(.binary(Character(op), node, right.node), height: Swift.max(height, right.height) + 1)
            }
            return (node, height)
        }

        mutating func parseTerm() throws -> Parsed {
            var (node, height) = try parseUnary()
            while let op = ["*", "/"].first(where: { peek?.token == .symbol($0) }) {
                position += 1
                let right = try parseUnary()
                (node, height) = try checked(.binary(Character(op), node, right.node), height: Swift.max(height, right.height) + 1)
            }
            return (node, height)
        }

        mutating func parseUnary() throws -> Parsed {
            if take("-") {
                let inner = try nested { try $0.parseUnary() }
                return try checked(.negate(inner.node), height: inner.height + 1)
            }
            if take("+") { return try nested { try $0.parseUnary() } }
            return try parsePower()
        }

        mutating func parsePower() throws -> Parsed {
            let base = try parsePrimary()
            if take("**") {
                let exponent = try nested { try $0.parseUnary() }
                return try checked(.power(base.node, exponent.node), height: Swift.max(base.height, exponent.height) + 1)
            }
            return base
        }

        mutating func parsePrimary() throws -> Parsed {
            guard let token = peek else { throw error("a number, a name or '('", at: nil) }
            position += 1
            switch token.token {
            case .number(let value):
                return (.number(value), 1)
            case .identifier("true"):
                return (.boolean(true), 1)
            case .identifier("false"):
                return (.boolean(false), 1)
            case .identifier(let name):
                guard take("(") else { return (.identifier(name), 1) }
                return try nested { try $0.parseCall(name) }
            case .symbol("("):
                let inner = try nested { try $0.parseExpression() }
                try expect(")")
                return inner
            case .symbol("["):
                return try nested { parser in
                    var items: [Node] = []
                    var height = 1
                    if !parser.take("]") {
                        repeat {
                            let item = try parser.parseExpression()
                            items.append(item.node)
                            height = Swift.max(height, item.height + 1)
                        } while parser.take(",")
                        try parser.expect("]")
                    }
                    return try parser.checked(.list(items), height: height)
                }
            default:
                throw error("a number, a name or '('", at: token)
            }
        }

        mutating func parseCall(_ name: String) throws -> Parsed {
            var arguments: [Node] = []
            var keywords: [(String, Node)] = []
            var height = 1
            if take(")") { return (.call(name, arguments: [], keywords: []), 1) }
            repeat {
                if case .identifier(let key)? = peek?.token, position + 1 < tokens.count,
                   tokens[position + 1].token == .symbol("=") {
                    position += 2
                    let value = try parseExpression()
                    keywords.append((key, value.node))
                    height = Swift.max(height, value.height + 1)
                } else {
                    guard keywords.isEmpty else { throw error("a keyword argument after keyword arguments", at: peek) }
                    let argument = try parseExpression()
                    arguments.append(argument.node)
                    height = Swift.max(height, argument.height + 1)
                }
            } while take(",")
            try expect(")")
            return try checked(.call(name, arguments: arguments, keywords: keywords), height: height)
        }
    }
}
