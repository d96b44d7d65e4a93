/// Integer arithmetic over size terms, as a manifest writes an output size or
/// an integer argument: `(dim(x,2) + 2*attr.padding - attr.kernel) / attr.stride + 1`.
///
/// Parsed once at load time; evaluated per call with overflow-checked
/// arithmetic, so a bad value is an error from `call`, never a trap.
///
/// Only `binary` is boxed: a wholly `indirect` enum keeps its case in the box
/// pointer's spare bits, where LeakSanitizer cannot follow it and reports every
/// expression a loaded plugin holds as leaked.
enum SizeExpression<Leaf: Sendable>: Sendable {
    case leaf(Leaf, text: String)
    case literal(Int)
    indirect case binary(SizeOperator, SizeExpression, SizeExpression)

    /// The same expression with each leaf replaced, as binding resolves tensor names to slots.
    func map<T>(_ transform: (Leaf) throws -> T) rethrows -> SizeExpression<T> {
        switch self {
        case .leaf(let leaf, let text): .leaf(try transform(leaf), text: text)
        case .literal(let v): .literal(v)
        case .binary(let op, let lhs, let rhs): .binary(op, try lhs.map(transform), try rhs.map(transform))
        }
    }

    /// Every leaf, left to right.
    var leaves: [Leaf] {
        switch self {
        case .leaf(let leaf, _): [leaf]
        case .literal: []
        case .binary(_, let lhs, let rhs): lhs.leaves + rhs.leaves
        }
    }

    /// The value, with leaves from `value`. Division floors, as PyTorch's shape
    /// formulas do (`//`); for the non-negative operands of a shape it truncates alike.
    ///
    /// - Parameter fail: makes the error for an overflow or a division by zero
    ///   from a reason and the leaf values read so far (`dim(x,2) = 5, attr.stride = 0`).
    func evaluate(value: (Leaf) throws -> Int, fail: (_ reason: String, _ values: String) -> any Error) throws -> Int {
        try evaluateListingValues(value: value, fail: fail).value
    }

    /// The value and the leaf values it came from, for an error about the value itself.
    func evaluateListingValues(
        value: (Leaf) throws -> Int, fail: (_ reason: String, _ values: String) -> any Error
    ) throws -> (value: Int, values: String) {
        var read: [String] = []
        func evaluate(_ e: SizeExpression) throws -> Int {
            switch e {
            case .leaf(let leaf, let text):
                let v = try value(leaf)
                let entry = "\(text) = \(v)"
                if !read.contains(entry) { read.append(entry) }
                return v
            case .literal(let v):
                return v
            case .binary(let op, let lhs, let rhs):
                let (a, b) = (try evaluate(lhs), try evaluate(rhs))
                let values = read.isEmpty ? "no terms" : read.joined(separator: ", ")
                let result: (Int, Bool)
                switch op {
                case .add: result = a.addingReportingOverflow(b)
                case .subtract: result = a.subtractingReportingOverflow(b)
                case .multiply: result = a.multipliedReportingOverflow(by: b)
                case .divide:
                    guard b != 0 else { throw fail("divides \(a) by zero", values) }
                    result = Self.flooredDivision(a, b)
                }
                guard !result.1 else { throw fail("overflows in \(a) \(op.rawValue) \(b)", values) }
                return result.0
            }
        }
        let result = try evaluate(self)
        return (result, read.isEmpty ? "no terms" : read.joined(separator: ", "))
    }

    private static func flooredDivision(_ a: Int, _ b: Int) -> (Int, Bool) {
        let (q, overflow) = a.dividedReportingOverflow(by: b)
        guard !overflow else { return (q, true) }
        // Truncation rounds up for a negative inexact quotient; floor rounds down.
        return a % b != 0 && (a < 0) != (b < 0) ? (q - 1, false) : (q, false)
    }
}

enum SizeOperator: Character, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
}

extension SizeExpression: Equatable where Leaf: Equatable {}

extension SizeExpression where Leaf == TermValue {
    /// Parses `text`, with `+ - * /`, parentheses, integer literals and the size
    /// terms of `TermValue` (not tensor names); or returns what was expected where.
    static func parse(_ text: String) -> Result<SizeExpression, ExpressionError> {
        var parser = ExpressionParser(text)
        do {
            return .success(try parser.parseWhole())
        } catch {
            return .failure(error)
        }
    }
}

extension SizeExpression {
    /// Whether `text`, which is no plain term, is meant as arithmetic: it has an
    /// operator or opens with a parenthesis. Otherwise it is a misspelt term,
    /// whose error should list the terms.
    static func looksArithmetic(_ text: String) -> Bool {
        text.contains(where: { "+-*/".contains($0) }) || text.trimmingCharacters(in: .whitespaces).hasPrefix("(")
    }
}

struct ExpressionError: Error {
    let message: String
}

/// Recursive descent with the usual precedence: `*` and `/` bind tighter than
/// `+` and `-`; all are left-associative; a leading `-` negates.
private struct ExpressionParser {
    let characters: [Character]
    let text: String
    var position = 0
    /// Operators and open parentheses so far: both deepen the recursion of
    /// parsing and evaluation, which must stay shallow on any thread's stack.
    var nodes = 0
    static let maximumNodes = 256

    init(_ text: String) {
        self.text = text
        self.characters = Array(text)
    }

    mutating func parseWhole() throws(ExpressionError) -> SizeExpression<TermValue> {
        let e = try parseSum()
        skipSpaces()
        if position < characters.count { throw expected("an operator (+ - * /) or the end") }
        return e
    }

    private mutating func parseSum() throws(ExpressionError) -> SizeExpression<TermValue> {
        var e = try parseProduct()
        while let op = next(in: "+-") {
            try count()
            e = .binary(op, e, try parseProduct())
        }
        return e
    }

    private mutating func parseProduct() throws(ExpressionError) -> SizeExpression<TermValue> {
        var e = try parseUnary()
        while let op = next(in: "*/") {
            try count()
            e = .binary(op, e, try parseUnary())
        }
        return e
    }

    private mutating func parseUnary() throws(ExpressionError) -> SizeExpression<TermValue> {
        if next(in: "-") != nil {
            try count()
            return .binary(.subtract, .literal(0), try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(ExpressionError) -> SizeExpression<TermValue> {
        skipSpaces()
        guard position < characters.count else { throw expected("a term, a number or '('") }
        let c = characters[position]
        if c == "(" {
            try count()
            position += 1
            let e = try parseSum()
            skipSpaces()
            guard position < characters.count, characters[position] == ")" else { throw expected("')'") }
            position += 1
            return e
        }
        if c.isASCII && c.isNumber {
            let start = position
            while position < characters.count, characters[position].isASCII, characters[position].isNumber { position += 1 }
            let digits = String(characters[start..<position])
            guard let v = Int(digits) else { throw ExpressionError(message: "\(quoted): \(digits) does not fit in 64 bits") }
            return .literal(v)
        }
        return try parseTerm()
    }

    /// A size term: `name(...)` up to its closing parenthesis, or `attr.<name>`.
    private mutating func parseTerm() throws(ExpressionError) -> SizeExpression<TermValue> {
        let start = position
        while position < characters.count, isWordCharacter(characters[position]) { position += 1 }
        guard position > start else { throw expected("a term, a number or '('") }
        if position < characters.count, characters[position] == "(" {
            guard let close = characters[position...].firstIndex(of: ")") else { throw expected("')'") }
            position = close + 1
        }
        let termText = String(characters[start..<position])
        guard let term = TermValue.parse(termText) else {
            throw ExpressionError(message: "\(quoted): unknown term '\(abbreviated(termText))'; expected \(TermValue.sizeGrammar)")
        }
        if case .tensor(let name) = term {
            throw ExpressionError(message: "\(quoted): '\(abbreviated(name))' is a tensor, not a size; write numel(\(abbreviated(name))) or dim(\(abbreviated(name)),<i>)")
        }
        return .leaf(term, text: termText)
    }

    private mutating func count() throws(ExpressionError) {
        nodes += 1
        guard nodes <= Self.maximumNodes else {
            throw ExpressionError(message: "\(quoted) has more than \(Self.maximumNodes) operators and parentheses")
        }
    }

    private func isWordCharacter(_ c: Character) -> Bool {
        c == "_" || c == "." || c.isLetter || (c.isASCII && c.isNumber)
    }

    private mutating func next(in operators: String) -> SizeOperator? {
        skipSpaces()
        guard position < characters.count, operators.contains(characters[position]),
              let op = SizeOperator(rawValue: characters[position]) else { return nil }
        position += 1
        return op
    }

    private mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    private var quoted: String { "'\(abbreviated(text))'" }

    private func expected(_ what: String) -> ExpressionError {
        ExpressionError(message: "malformed expression \(quoted): expected \(what) at character \(position + 1)")
    }
}
