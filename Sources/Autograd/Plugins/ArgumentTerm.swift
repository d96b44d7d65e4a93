import Foundation

/// The C type of one kernel argument, the part of a term before the colon.
enum ArgumentType: String, Sendable, CaseIterable {
    case ptr, i32, i64, f32, f64

    var isInteger: Bool { self == .i32 || self == .i64 }
    var isReal: Bool { self == .f32 || self == .f64 }
}

/// What an argument or size term computes, the part after the colon.
enum TermValue: Sendable, Equatable {
    /// A tensor's data pointer (`x`, `out`, `grad_out`, `grad_x`).
    case tensor(String)
    case numel(String)
    /// The number of tensors of a list input (`len(xs)`).
    case count(String)
    /// A list input's element counts, one int64 per tensor (`ptr:numels(xs)`).
    case numels(String)
    /// The size of a dim; negative dims count from the last.
    case dim(String, Int)
    case ndim(String)
    /// BLAS's leading dimension of a 2-D tensor: its row stride, or its column
    /// stride when it is a transposed view.
    case leadingDimension(String)
    /// CBLAS's transpose flag for a 2-D tensor: 111 (CblasNoTrans) for a
    /// row-major matrix, 112 (CblasTrans) for a transposed view of one.
    case cblasTranspose(String)
    case attribute(String)
    case integer(Int)
    case real(Double)
    /// Integer arithmetic over the terms above (an integer argument only).
    indirect case expression(SizeExpression<TermValue>)

    /// The tensor the term reads, if any; an expression's leaves say for themselves.
    var tensorName: String? {
        switch self {
        case .tensor(let t), .numel(let t), .count(let t), .numels(let t), .dim(let t, _), .ndim(let t), .leadingDimension(let t),
             .cblasTranspose(let t): t
        case .attribute, .integer, .real, .expression: nil
        }
    }

    static let grammar = """
        <tensor>, numel(<tensor>), dim(<tensor>,<i>), ndim(<tensor>), ld(<tensor>), \
        cblas_trans(<tensor>), len(<list>), numels(<list>), attr.<name>, or a number; an integer value \
        may be arithmetic (+ - * / and parentheses) over integers and the terms other than <tensor> and numels
        """

    static let sizeGrammar = """
        numel(<tensor>), dim(<tensor>,<i>), ndim(<tensor>), ld(<tensor>), cblas_trans(<tensor>), len(<list>) or attr.<name>
        """

    /// Parses a value such as `dim(a, 0)` or `attr.beta`; nil when it is none of the forms.
    static func parse(_ text: String) -> TermValue? {
        let s = text.filter { !$0.isWhitespace }
        if s.hasPrefix("attr.") {
            let name = String(s.dropFirst(5))
            return isIdentifier(name) ? .attribute(name) : nil
        }
        if let call = functionCall(s) {
            switch (call.name, call.arguments.count) {
            case ("numel", 1): return .numel(call.arguments[0])
            case ("len", 1): return .count(call.arguments[0])
            case ("numels", 1): return .numels(call.arguments[0])
            case ("ndim", 1): return .ndim(call.arguments[0])
            case ("ld", 1): return .leadingDimension(call.arguments[0])
            case ("cblas_trans", 1): return .cblasTranspose(call.arguments[0])
            case ("dim", 2): return Int(call.arguments[1]).map { .dim(call.arguments[0], $0) }
            default: return nil
            }
        }
        if let v = Int(s) { return .integer(v) }
        if let v = Double(s), v.isFinite { return .real(v) }
        return isIdentifier(s) ? .tensor(s) : nil
    }

    private static func functionCall(_ s: String) -> (name: String, arguments: [String])? {
        guard let open = s.firstIndex(of: "("), s.last == ")" else { return nil }
        let name = String(s[..<open])
        let arguments = s[s.index(after: open)..<s.index(before: s.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard isIdentifier(name), isIdentifier(arguments[0]) else { return nil }
        return (name, arguments)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}

/// One kernel argument as a manifest writes it: `"i64:numel(x)"`, `"ptr:out"`, `"f32:attr.beta"`.
struct ArgumentTerm: Sendable {
    let type: ArgumentType
    let value: TermValue
    let text: String

    /// Parses a term, or returns why it is not one.
    static func parse(_ text: String) -> Result<ArgumentTerm, TermError> {
        guard let colon = text.firstIndex(of: ":") else {
            return .failure(TermError("'\(abbreviated(text))' has no type; write <type>:<value>, with type one of \(typeList)"))
        }
        let typeText = text[..<colon].trimmingCharacters(in: .whitespaces)
        guard let type = ArgumentType(rawValue: typeText) else {
            return .failure(TermError("unknown argument type '\(abbreviated(typeText))' in '\(abbreviated(text))'; expected one of \(typeList)"))
        }
        let valueText = String(text[text.index(after: colon)...])
        var parsed = TermValue.parse(valueText)
        if parsed == nil, type.isInteger {
            switch expression(valueText) {
            case .success(let e): parsed = e
            case .failure(let failure): return .failure(failure)
            }
        }
        guard let value = parsed else {
            return .failure(TermError("unknown argument term '\(abbreviated(text))'; the value must be \(TermValue.grammar)"))
        }
        switch (type, value) {
        case (.ptr, .tensor), (.ptr, .attribute), (.ptr, .numels):
            break
        case (_, .numels(let name)):
            return .failure(TermError("'\(abbreviated(text))': numels(\(abbreviated(name))) is an array; write ptr:numels(\(abbreviated(name)))"))
        case (.ptr, _):
            return .failure(TermError("""
                '\(abbreviated(text))': a ptr argument takes a tensor name such as ptr:x or ptr:out, a list \
                input's element counts as ptr:numels(<list>), or a string attribute as ptr:attr.<name>
                """))
        case (_, .tensor(let name)):
            return .failure(TermError("'\(abbreviated(text))': \(type.rawValue) cannot hold tensor '\(abbreviated(name))'; write ptr:\(abbreviated(name))"))
        case (.i32, .integer(let v)) where Int32(exactly: v) == nil:
            return .failure(TermError("'\(abbreviated(text))': \(v) does not fit in i32"))
        case (_, .real) where type.isInteger:
            return .failure(TermError("'\(abbreviated(text))': \(type.rawValue) takes an integer literal"))
        default:
            break
        }
        return .success(ArgumentTerm(type: type, value: value, text: text))
    }

    /// An arithmetic value, or nil when `text` has no operator (so a misspelt
    /// plain term keeps the plain term's error); a malformed one says why.
    private static func expression(_ text: String) -> Result<TermValue?, TermError> {
        guard SizeExpression<TermValue>.looksArithmetic(text) else {
            return .success(nil)
        }
        switch SizeExpression.parse(text) {
        case .success(let e): return .success(.expression(e))
        case .failure(let error): return .failure(TermError(error.message))
        }
    }

    private static var typeList: String { ArgumentType.allCases.map(\.rawValue).joined(separator: ", ") }

    struct TermError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }
}
