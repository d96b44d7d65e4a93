/// The value of an op attribute, written as a literal:
/// `["dims": [0], "keepdim": true, "approximate": "tanh", "scale": nil]`.
public enum AttributeValue: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral
{
    /// An integer, such as a `dim`.
    case int(Int)
    /// A number, such as a `scale`; an integer literal also fits a double attribute.
    case double(Double)
    /// A flag, such as `keepdim`.
    case bool(Bool)
    /// A list of integers, such as `dims` or a shape.
    case ints([Int])
    /// A string, such as `approximate: "tanh"`.
    case string(String)
    /// Not given: the attribute takes its default. (`nil` in a literal.)
    case absent

    /// `1` is `.int(1)`.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// `0.5` is `.double(0.5)`.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// `true` is `.bool(true)`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `[0, 2]` is `.ints([0, 2])`.
    public init(arrayLiteral elements: Int...) { self = .ints(elements) }
    /// `"tanh"` is `.string("tanh")`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `nil` is `.absent`: the attribute takes its default.
    public init(nilLiteral: ()) { self = .absent }

    /// The value as it would be written: `2`, `[0, 1]`, `"tanh"`, `nil`.
    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .double(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .ints(let v): Shape.describe(v)
        case .string(let v): "\"\(v)\""
        case .absent: "nil"
        }
    }

    var typeName: String {
        switch self {
        case .int: "int"
        case .double: "double"
        case .bool: "bool"
        case .ints: "int array"
        case .string: "string"
        case .absent: "nil"
        }
    }
}

/// The type of an attribute an op declares.
public enum AttributeType: Sendable, Equatable, CustomStringConvertible {
    /// `int`: an integer; `double`: a number (an integer is accepted); `bool`: a flag;
    /// `ints`: a list of integers (a single integer is accepted as a one-element list).
    case int, double, bool, ints
    /// A string, one of `allowed` (any string when `allowed` is empty).
    case string(allowed: [String])

    /// A string attribute taking one of `values`.
    public static func oneOf(_ values: String...) -> AttributeType { .string(allowed: values) }

    /// The type as error messages name it: `int`, `ints`, `one of "none", "tanh"`.
    public var description: String {
        switch self {
        case .int: "int"
        case .double: "double"
        case .bool: "bool"
        case .ints: "ints"
        case .string(let allowed): allowed.isEmpty ? "string" : "one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
        }
    }

    /// Converts a given value to this type, or nil when it does not fit.
    /// An integer fits a double attribute, as a JSON `2` fits `exponent`; a single
    /// integer fits an int-array attribute as a one-element array.
    func coerce(_ value: AttributeValue) -> AttributeValue? {
        switch (self, value) {
        case (.int, .int), (.double, .double), (.bool, .bool), (.ints, .ints): value
        case (.double, .int(let v)): .double(Double(v))
        case (.ints, .int(let v)): .ints([v])
        // Not `allowed.contains(v) ? value : nil`: that `nil` is AttributeValue's literal,
        // `.absent`, so a string outside the allowed ones would pass as "not given".
        case (.string(let allowed), .string(let v)) where allowed.isEmpty || allowed.contains(v): value
        default: nil
        }
    }
}

/// An attribute an op accepts: its name, type and default.
public struct AttributeSpec: Sendable {
    /// The name callers give the value under, unique among the op's inputs and attributes.
    public let name: String
    /// The type a value must have; values of a close type are converted (an int for a double).
    public let type: AttributeType
    /// The value when the caller gives none; `.absent` here means the attribute is
    /// optional and absent (like `dims` of `sum`: all dims).
    public let defaultValue: AttributeValue
    /// Whether the caller must give a value.
    public let isRequired: Bool

    /// An attribute with a default; `nil` makes it optional with no value.
    public init(_ name: String, _ type: AttributeType, default defaultValue: AttributeValue) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isRequired = false
    }

    /// An attribute the caller must give.
    public init(_ name: String, _ type: AttributeType) {
        self.name = name
        self.type = type
        self.defaultValue = .absent
        self.isRequired = true
    }
}

/// An op call's attributes, checked against the op's specs, with defaults filled in.
public struct Attributes: Sendable {
    let values: [String: AttributeValue]

    init(_ values: [String: AttributeValue]) { self.values = values }

    /// Checks `given` against `specs`: unknown names, wrong types, strings outside
    /// their allowed values and missing required attributes are errors naming `op`.
    init(resolving given: [String: AttributeValue], specs: [AttributeSpec], op: String) throws {
        for name in given.keys where !specs.contains(where: { $0.name == name }) {
            let known = specs.isEmpty ? "none" : specs.map(\.name).joined(separator: ", ")
            throw AutogradError(.attribute, "\(op): unknown attribute '\(name)'; expected one of: \(known)")
        }
        var values: [String: AttributeValue] = [:]
        for spec in specs {
            let value = given[spec.name] ?? .absent
            if value == .absent {
                if spec.isRequired {
                    throw AutogradError(.attribute, "\(op): missing required attribute '\(spec.name)' of type \(spec.type)")
                }
                values[spec.name] = spec.defaultValue
            } else if let coerced = spec.type.coerce(value) {
                values[spec.name] = coerced
            } else {
                throw AutogradError(.attribute, """
                    \(op): attribute '\(spec.name)' expects \(spec.type), got \(value.typeName) \(value)
                    """)
            }
        }
        self.values = values
    }

    /// The raw value of an attribute; `.absent` when not given and without default.
    public subscript(name: String) -> AttributeValue { values[name] ?? .absent }

    /// An integer attribute's value.
    public func int(_ name: String) -> Int {
        guard case .int(let v) = self[name] else { fatalError("attribute '\(name)' is not an int: \(self[name])") }
        return v
    }

    /// An optional integer attribute's value; nil when absent.
    public func optionalInt(_ name: String) -> Int? {
        self[name] == .absent ? nil : int(name)
    }

    /// A numeric attribute's value.
    public func double(_ name: String) -> Double {
        switch self[name] {
        case .double(let v): return v
        case .int(let v): return Double(v)
        default: fatalError("attribute '\(name)' is not a number: \(self[name])")
        }
    }

    /// An optional numeric attribute's value.
    public func optionalDouble(_ name: String) -> Double? {
        self[name] == .absent ? nil : double(name)
    }

    /// A boolean attribute's value.
    public func bool(_ name: String) -> Bool {
        guard case .bool(let v) = self[name] else { fatalError("attribute '\(name)' is not a bool: \(self[name])") }
        return v
    }

    /// An int-array attribute's value; nil when absent.
    public func ints(_ name: String) -> [Int]? {
        switch self[name] {
        case .ints(let v): return v
        case .absent: return nil
        default: fatalError("attribute '\(name)' is not an int array: \(self[name])")
        }
    }

    /// A string attribute's value.
    public func string(_ name: String) -> String {
        guard case .string(let v) = self[name] else { fatalError("attribute '\(name)' is not a string: \(self[name])") }
        return v
    }

    /// These attributes with some replaced: for rules that call their op again.
    public func replacing(_ changes: [String: AttributeValue]) -> Attributes {
        Attributes(values.merging(changes) { $1 })
    }

    /// The attributes as a dictionary, as a call takes them.
    public var dictionary: [String: AttributeValue] { values }
}
