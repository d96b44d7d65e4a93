import Foundation

/// The state an optimizer keeps for one parameter, as it goes into a state dict.
protocol _ParameterState {
    /// The names a state dict may hold for one parameter (PyTorch's).
    static var tensorNames: Set<String> { get }
    /// The state's tensors under PyTorch's names; a step count is a 0-d float64 tensor named `step`.
    var namedTensors: [(name: String, tensor: Tensor)] { get }
    /// The state saved for one parameter, whose tensors have been checked against it.
    init(restoring saved: _SavedState, group: ParameterGroup) throws
}

/// The tensors a state dict holds for one parameter, converted to the parameter's dtype.
struct _SavedState {
    let parameterIndex: Int
    let tensors: [String: Tensor]

    /// The tensor named `name`, which this optimizer's state of the parameter must have.
    func tensor(_ name: String, because reason: @autoclosure () -> String = "") throws -> Tensor {
        guard let tensor = tensors[name] else {
            let why = reason()
            throw OptimizerStateError(.missingState, """
                the state of parameter \(parameterIndex) has no '\(name)'\(why.isEmpty ? "" : " (\(why))"); \
                it holds \(tensors.keys.sorted().joined(separator: ", "))
                """)
        }
        return tensor
    }

    /// The step count saved as `step`.
    func step() throws -> Int {
        let value = try tensor("step").item()
        guard let count = Int(exactly: value), count >= 0 else {
            throw OptimizerStateError(.malformed, "the step of parameter \(parameterIndex) is \(value), not a count")
        }
        return count
    }
}

/// A step count as a state dict holds it: a 0-d float64 tensor.
///
/// PyTorch keeps the count in a 0-d float32 tensor (float64 when that is its default
/// dtype) and loads either; float64 counts exactly to 2⁵³ steps, float32 only to 2²⁴.
func stepTensor(_ step: Int) -> Tensor {
    Tensor(shape: [], scalars: [Double(step)], dtype: .float64)
}

/// An optimizer state that does not fit the optimizer it is loaded into. The message
/// names the group, parameter or key, what was expected and what the state holds.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What kind of mismatch a state had, to tell them apart without parsing the message.
    public enum Kind: String, Sendable {
        /// The metadata is missing, is not valid JSON, or holds a value of the wrong kind.
        case malformed
        /// Another number of groups, or of parameters in a group, than the optimizer has.
        case groupMismatch
        /// A state tensor the optimizer needs is missing.
        case missingState
        /// A state tensor has another shape than its parameter.
        case shapeMismatch
        /// A state tensor or hyper-parameter this optimizer does not have.
        case unexpected
    }

    /// What kind of mismatch this is.
    public let kind: Kind
    /// A readable account: the group, parameter or key, what was expected and what was found.
    public let message: String

    /// An error of the given kind, with the message to show.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message alone.
    public var description: String { message }
}

// MARK: - Saving

extension _OptimizerStorage {
    func stateDict() -> Safetensors {
        var tensors: [(name: String, tensor: Tensor)] = []
        for (index, state) in states.enumerated() {
            guard let state else { continue }
            for (name, tensor) in state.namedTensors {
                tensors.append(("state.\(index).\(name)", CopyLoop(source: tensor).run(for: tensor.dtype, in: self.name)))
            }
        }
        return Safetensors(tensors, metadata: ["format": "pt", "optimizer": name, "param_groups": groupsJSON()])
    }

    /// The groups as PyTorch's `param_groups` in JSON: the optimizer's keys in
    /// PyTorch's order, then the keys schedules added, then `params`.
    private func groupsJSON() -> String {
        var first = 0
        let entries = groups.map { group in
            let order = keys + ParameterGroup.Key.allCases.filter { ParameterGroup.Key.scheduleKeys.contains($0) }
            var fields = order.compactMap { key in group[key].map { "\"\(key.rawValue)\": \(Self.json($0))" } }
            fields.append("\"params\": [\((first..<(first + group.parameters.count)).map(String.init).joined(separator: ", "))]")
            first += group.parameters.count
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return "[" + entries.joined(separator: ", ") + "]"
    }

    private static func json(_ value: ParameterGroup.Value) -> String {
        switch value {
        case .number(let x): _JSON.number(x)
        case .flag(let b): b ? "true" : "false"
        case .pair(let a, let b): "[\(_JSON.number(a)), \(_JSON.number(b))]"
        }
    }
}

/// A copy of a contiguous tensor, so a state dict does not change as the optimizer steps on.
private struct CopyLoop: FloatingPointLoop {
    let source: Tensor

    func run<T: TensorScalar>(as _: T.Type) -> Tensor {
        let copy = Tensor.zeros(source.shape, dtype: source.dtype)
        source.withUnsafeBufferPointer(as: T.self) { from in
            copy.withUnsafeMutableBufferPointer(as: T.self) { to in
                _ = to.update(fromContentsOf: from)
            }
        }
        return copy
    }
}

// MARK: - Loading

extension _OptimizerStorage {
    mutating func loadStateDict(_ file: Safetensors) throws {
        do {
            let (newGroups, indexOfSavedNumber) = try groups(from: file.metadata)
            let tensors = try stateTensors(of: file, indexOfSavedNumber: indexOfSavedNumber)
            let newStates = try states(from: tensors, groups: newGroups)
            restore(groups: newGroups, states: newStates)
        } catch let error as OptimizerStateError {
            let writer = file.metadata["optimizer"].map { " (written by \($0))" } ?? ""
            throw OptimizerStateError(error.kind, "cannot load the state into \(name)\(writer): \(error.message)")
        }
    }

    /// Our groups with the saved hyper-parameters, and our index of each parameter number
    /// the state uses: they map by position, as in PyTorch's `load_state_dict`.
    private func groups(from metadata: [String: String]) throws -> ([ParameterGroup], [Int: Int]) {
        let saved = try Self.decodeGroups(metadata)
        guard saved.count == groups.count else {
            throw OptimizerStateError(.groupMismatch, "the state has \(saved.count) parameter groups, the optimizer \(groups.count)")
        }
        var indexOfSavedNumber: [Int: Int] = [:]
        var restored: [ParameterGroup] = []
        for (g, (savedGroup, group)) in zip(saved, groups).enumerated() {
            var values: [ParameterGroup.Key: ParameterGroup.Value] = [:]
            var numbers: [Int] = []
            // In a fixed order, so that the first problem reported is always the same one.
            for (name, value) in savedGroup.sorted(by: { $0.key < $1.key }) {
                if name == "params" {
                    guard case .numbers(let xs) = value, xs.allSatisfy({ Int(exactly: $0) != nil }) else {
                        throw OptimizerStateError(.malformed, "group \(g): 'params' must be a list of parameter numbers, not \(value)")
                    }
                    numbers = xs.map { Int($0) }
                    continue
                }
                if Self.ignoredTorchKeys.contains(name) { continue }
                guard let key = ParameterGroup.Key(rawValue: name),
                      keys.contains(key) || ParameterGroup.Key.scheduleKeys.contains(key) else {
                    throw OptimizerStateError(.unexpected, "group \(g) has '\(name)', which \(self.name) does not have")
                }
                guard let converted = value.parameterValue(of: key.kind) else {
                    throw OptimizerStateError(.malformed, "group \(g): '\(name)' must be \(key.kind), not \(value)")
                }
                values[key] = converted
            }
            guard numbers.count == group.parameters.count else {
                throw OptimizerStateError(.groupMismatch, """
                    group \(g) of the state has \(numbers.count) parameters, the optimizer's \(group.parameters.count)
                    """)
            }
            for number in numbers {
                guard indexOfSavedNumber.updateValue(indexOfSavedNumber.count, forKey: number) == nil else {
                    throw OptimizerStateError(.malformed, "parameter number \(number) appears twice in 'params'")
                }
            }
            // Keys PyTorch's optimizers gained in later versions (`decoupled_weight_decay`) keep their defaults when absent.
            restored.append(ParameterGroup(group.parameters, values: defaults.values.merging(values) { _, saved in saved }))
        }
        return (restored, indexOfSavedNumber)
    }

    /// The file's state tensors by our parameter index and PyTorch's name, checked against
    /// the parameters and converted to their dtypes.
    private func stateTensors(of file: Safetensors, indexOfSavedNumber: [Int: Int]) throws -> [Int: [String: Tensor]] {
        let parameters = groups.flatMap(\.parameters)
        var tensors: [Int: [String: Tensor]] = [:]
        for (fullName, tensor) in file.tensors {
            let parts = fullName.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, parts[0] == "state", let number = Int(parts[1]) else {
                throw OptimizerStateError(.unexpected, "tensor '\(fullName)' is not named state.<parameter>.<name>")
            }
            guard let index = indexOfSavedNumber[number] else {
                throw OptimizerStateError(.unexpected, "tensor '\(fullName)' belongs to parameter \(number), which no group lists")
            }
            let name = String(parts[2]), parameter = parameters[index]
            guard State.tensorNames.contains(name) else {
                throw OptimizerStateError(.unexpected, """
                    tensor '\(fullName)': \(self.name) keeps \(State.tensorNames.sorted().joined(separator: ", ")), not '\(name)'
                    """)
            }
            if name == "step" {
                guard tensor.scalarCount == 1 else {
                    throw OptimizerStateError(.shapeMismatch, """
                        tensor '\(fullName)' has shape \(Shape.describe(tensor.shape)); a step is one number
                        """)
                }
                tensors[index, default: [:]][name] = tensor
                continue
            }
            guard tensor.shape == parameter.shape else {
                throw OptimizerStateError(.shapeMismatch, """
                    tensor '\(fullName)' has shape \(Shape.describe(tensor.shape)), \
                    parameter \(index) has shape \(Shape.describe(parameter.shape))
                    """)
            }
            // A tensor of our own, so the loaded file (or state dict) is not updated by later steps.
            tensors[index, default: [:]][name] = tensor.dtype == parameter.dtype
                ? CopyLoop(source: tensor).run(for: tensor.dtype, in: self.name)
                : Tensor(shape: tensor.shape, scalars: tensor.scalars, dtype: parameter.dtype)
        }
        return tensors
    }

    /// Each parameter's state from its tensors; nil for a parameter the state has nothing for.
    private func states(from tensors: [Int: [String: Tensor]], groups restored: [ParameterGroup]) throws -> [State?] {
        var states: [State?] = []
        for group in restored {
            for _ in group.parameters {
                let index = states.count
                states.append(try tensors[index].map {
                    try State(restoring: _SavedState(parameterIndex: index, tensors: $0), group: group)
                })
            }
        }
        return states
    }

    /// Keys of PyTorch's groups that choose an implementation (vectorised, fused, graph-capturable),
    /// not the values it computes; this library has one implementation.
    private static var ignoredTorchKeys: Set<String> { ["foreach", "fused", "capturable", "differentiable"] }

    private static func decodeGroups(_ metadata: [String: String]) throws -> [[String: _JSON.Value]] {
        guard let text = metadata["param_groups"] else {
            throw OptimizerStateError(.malformed, "the metadata has no 'param_groups'")
        }
        guard let groups = try? _JSON.decode([[String: _JSON.Value]].self, from: text) else {
            throw OptimizerStateError(.malformed, "'param_groups' is not a JSON list of groups: \(text)")
        }
        return groups
    }
}

/// The JSON of a state dict's metadata, written as Python's `json` writes it and read back exactly.
enum _JSON {
    /// Swift's shortest round-tripping form, which JSON reads back exactly; non-finite
    /// values as Python's `json` writes them.
    static func number(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        return "\(x)"
    }

    static func numbers(_ xs: [Double]) -> String {
        "[" + xs.map(number).joined(separator: ", ") + "]"
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        // Python's json writes infinities and NaN bare, as JSON5 allows.
        decoder.allowsJSON5 = true
        return try decoder.decode(type, from: Data(text.utf8))
    }

    /// A value in a saved dictionary.
    enum Value: Decodable, CustomStringConvertible {
        case null
        case flag(Bool)
        case number(Double)
        case numbers([Double])
        case text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let flag = try? container.decode(Bool.self) {
                self = .flag(flag)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .numbers(try container.decode([Double].self))
            }
        }

        func parameterValue(of kind: ParameterGroup.Value.Kind) -> ParameterGroup.Value? {
            switch (self, kind) {
            case (.number(let x), .number): .number(x)
            case (.flag(let b), .flag): .flag(b)
            case (.numbers(let pair), .pair) where pair.count == 2: .pair(pair[0], pair[1])
            default: nil
            }
        }

        var description: String {
            switch self {
            case .null: "null"
            case .flag(let b): "\(b)"
            case .number(let x): "\(x)"
            case .numbers(let xs): "\(xs)"
            case .text(let s): "\"\(s)\""
            }
        }
    }
}
