import Autograd
import Foundation
import Testing
import TestSupport

/// Wrong input at the throwing entry points, op by op: every call either runs or
/// throws an `AutogradError` that names the op (and what was wrong), and leaves the
/// registry and the tensors it was given as they were. A trap fails the whole run.
@Suite("bad input at the public API")
struct BadInputTests {
    /// A private registry, so these calls cannot disturb tests that use the shared one.
    static let registry = OpRegistry.withBuiltins()

    /// A valid call of an op, taken from a PyTorch case.
    struct Call: Sendable, CustomTestStringConvertible {
        let op: String
        let id: String
        let attributes: [String: AttributeValue]
        /// Makes the case's input tensors (tensors are not `Sendable`, so each test makes its own).
        let makeInputs: @Sendable () -> [Tensor?]
        var inputs: [Tensor?] { makeInputs() }
        var testDescription: String { "\(op) (case \(id))" }
    }

    /// One valid call per registered op: the first case of each, format 2 first.
    static let calls: [Call] = {
        let cases = ReferenceFixtures.formatTwo.cases + ReferenceFixtures.formatOne.cases
        let recorded = cases.map { c in
            Call(op: c.op, id: c.id, attributes: c.attributes) {
                var inputs = c.inputs.map { $0?.tensor(c.dtype) }
                while let last = inputs.last, last == nil { inputs.removeLast() }
                return inputs
            }
        }
        var seen = Set<String>()
        return (recorded + uncased).filter { registry.contains($0.op) && seen.insert($0.op).inserted }
    }()

    /// Valid calls of the ops no case file covers.
    static let uncased: [Call] = [
        Call(op: "contiguous", id: "here", attributes: [:]) { [Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])] },
        Call(op: "dropout", id: "here", attributes: ["p": 0.5, "seed": 7]) { [Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])] },
        Call(op: "masked_scatter", id: "here", attributes: [:]) {
            [Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), Tensor(shape: [2, 2], scalars: [1, 0, 0, 1], dtype: .bool),
             Tensor(shape: [4], scalars: [9, 8, 7, 6])]
        },
        Call(op: "max_pool2d_with_indices", id: "here", attributes: ["kernel_size": [2]]) {
            [Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 2, 0, 3, 4, 8, 6])]
        },
        Call(op: "slice_backward", id: "here", attributes: ["input_sizes": [5], "dim": 0, "start": 1, "end": 4, "step": 2]) {
            [Tensor([1.0, 2.0])]
        },
    ]

    /// The inputs a call is given, with a copy of their values and versions to compare after it.
    struct Given {
        let tensors: [Tensor?]
        let values: [[Double]?]
        let versions: [Int?]

        init(_ tensors: [Tensor?]) {
            self.tensors = tensors
            values = tensors.map { $0?.scalars }
            versions = tensors.map { $0?.version }
        }

        /// Expects values (bit for bit, NaN included) and versions unchanged.
        func expectUnchanged(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            for (i, tensor) in tensors.enumerated() {
                guard let tensor, let before = values[i] else { continue }
                #expect(tensor.version == versions[i], "\(what): input \(i)'s version changed", sourceLocation: sourceLocation)
                let same = zip(tensor.scalars, before).allSatisfy { $0.bitPattern == $1.bitPattern }
                #expect(same, "\(what): input \(i)'s values changed", sourceLocation: sourceLocation)
            }
        }
    }

    /// Runs `op` on `inputs`, which may be wrong: it must either return outputs or throw an
    /// `AutogradError` naming the op and every fragment, leaving the inputs as they were.
    /// - Returns: the error, or nil when the call ran.
    @discardableResult
    static func attempt(
        _ op: String, _ inputs: [Tensor?], _ attributes: [String: AttributeValue], naming fragments: [String] = [],
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> AutogradError? {
        let given = Given(inputs)
        do {
            // A call that runs may update inputs it declares as effects (batch_norm's running statistics).
            _ = try registry.callOutputs(op, inputs, attributes: attributes)
            return nil
        } catch let error as AutogradError {
            given.expectUnchanged("\(op), \(what)", sourceLocation: sourceLocation)
            for fragment in [op] + fragments {
                #expect(error.message.contains(fragment), "\(op), \(what): \"\(error.message)\" does not name \(fragment)",
                        sourceLocation: sourceLocation)
            }
            return error
        } catch {
            Issue.record("\(op), \(what): threw \(type(of: error)), not an AutogradError: \(error)", sourceLocation: sourceLocation)
            return error as? AutogradError
        }
    }

    /// Expects `attempt` to throw, of `kind`.
    static func refuse(
        _ op: String, _ inputs: [Tensor?], _ attributes: [String: AttributeValue], kind: AutogradError.Kind,
        naming fragments: [String] = [], _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = attempt(op, inputs, attributes, naming: fragments, what, sourceLocation: sourceLocation)
        #expect(error?.kind == kind, "\(op), \(what): expected a \(kind) error, got \(error.map { "\($0.kind): \($0.message)" } ?? "none")",
                sourceLocation: sourceLocation)
    }

    static func definition(_ op: String) -> OpDefinition { try! registry.op(named: op).definition }

    @Test("a call runs unchanged first, so each refusal below is about what was changed", arguments: calls)
    func validCallRuns(_ c: Call) {
        let error = Self.attempt(c.op, c.inputs, c.attributes, "the case as recorded")
        #expect(error == nil)
    }

    @Test("too many inputs, and a required input left out", arguments: calls)
    func inputCounts(_ c: Call) {
        let def = Self.definition(c.op)
        let inputs = c.inputs
        if !def.inputs.contains(where: \.isList) {
            // Omitted trailing optional inputs given as nil first, so the extra one is past them all.
            let omitted = [Tensor?](repeating: nil, count: def.inputs.count - inputs.count)
            Self.refuse(c.op, inputs + omitted + [Tensor(1.0)], c.attributes, kind: .inputCount,
                        naming: ["\(def.inputs.count)"], "one input too many")
        }
        if let first = def.inputs.first, !first.isOptional, !first.isList {
            Self.refuse(c.op, [], c.attributes, kind: .inputCount, naming: [first.name], "no inputs")
        }
    }

    @Test("an unknown attribute, and each attribute of the wrong type", arguments: calls)
    func attributeTypes(_ c: Call) {
        let inputs = c.inputs
        Self.refuse(c.op, inputs, c.attributes.merging(["no_such_attribute": 1]) { $1 }, kind: .attribute,
                    naming: ["no_such_attribute"], "an unknown attribute")
        for spec in Self.definition(c.op).attributes {
            let wrong: AttributeValue = if case .string = spec.type { .int(1) } else { .string("wrong") }
            Self.refuse(c.op, inputs, c.attributes.merging([spec.name: wrong]) { $1 }, kind: .attribute,
                        naming: [spec.name], "\(spec.name) = \(wrong)")
        }
    }

    @Test("extreme attribute values: huge, negative, empty, NaN and infinite", arguments: calls)
    func extremeAttributes(_ c: Call) {
        let inputs = c.inputs
        for spec in Self.definition(c.op).attributes {
            let values: [AttributeValue] = switch spec.type {
            case .int: [.int(.max), .int(.min), .int(-1), .int(0), .int(1 << 40)]
            case .ints:
                [.ints([]), .ints([.max]), .ints([.min]), .ints([-1]), .ints([1 << 40, 1 << 40]),
                 .ints([1 << 31, 1 << 31, 1 << 31]), .ints([0, 0, 0, 0, 0, 0, 0, 0, 0])]
                    + Self.eachElementHuge(c.attributes[spec.name])
            case .double: [.double(.nan), .double(.infinity), .double(-.infinity), .double(1e308), .double(-1e308)]
            case .bool, .string: []
            }
            for value in values {
                Self.attempt(c.op, inputs, c.attributes.merging([spec.name: value]) { $1 }, "\(spec.name) = \(value)")
            }
        }
    }

    /// The recorded int-array value with each element in turn made huge or negative.
    static func eachElementHuge(_ value: AttributeValue?) -> [AttributeValue] {
        guard case .ints(let ints)? = value else { return [] }
        return ints.indices.flatMap { i in
            [Int.max, 1 << 40, -(1 << 40)].map { big in
                var changed = ints
                changed[i] = big
                return AttributeValue.ints(changed)
            }
        }
    }

    @Test("each input empty, 0-d, full of NaN, or of another dtype", arguments: calls)
    func oddInputs(_ c: Call) {
        let inputs = c.inputs
        for (i, input) in inputs.enumerated() {
            guard let input else { continue }
            var variants: [(String, Tensor)] = [
                ("0-d", Tensor(shape: [], scalars: [1], dtype: input.dtype)),
                ("empty", Tensor(shape: input.shape.isEmpty ? [0] : [0] + Array(input.shape.dropFirst()), scalars: [Double](),
                                 dtype: input.dtype)),
                ("rank 5", Tensor(shape: [1, 2, 1, 3, 1], scalars: [1, 2, 3, 4, 5, 6], dtype: input.dtype)),
            ]
            for dtype in DType.allCases where dtype != input.dtype {
                variants.append(("\(dtype)", input.converted(to: dtype)))
            }
            if input.dtype.isFloatingPoint {
                let special: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, .greatestFiniteMagnitude]
                variants.append(("NaN, ±inf, ±0 and huge values",
                                 Tensor(shape: input.shape, scalars: (0..<input.scalarCount).map { special[$0 % special.count] },
                                        dtype: input.dtype)))
            } else if input.dtype == .int64 {
                variants.append(("huge and negative integers",
                                 Tensor(shape: input.shape, scalars: (0..<input.scalarCount).map { $0 % 2 == 0 ? -1e15 : 1e15 },
                                        dtype: .int64)))
            }
            for (what, variant) in variants {
                var changed = inputs
                changed[i] = variant
                Self.attempt(c.op, changed, c.attributes, "input \(i) \(what)")
            }
        }
    }

    @Test("sizes that cannot be allocated throw, naming the op and the shape")
    func impossibleAllocations() {
        let x = Tensor([1.0, 2.0])
        Self.refuse("repeat", [x], ["repeats": [1 << 20, 1 << 20]], kind: .allocation, naming: ["[1048576, 2097152]"],
                    "16 TiB of float64")
        Self.refuse("repeat", [x], ["repeats": [1 << 31, 1 << 31, 1 << 31]], kind: .shape,
                    naming: ["more elements than can be counted"], "an element count past Int.max")
        Self.refuse("chunk", [Tensor(shape: [0], scalars: [Double]())], ["chunks": .int(1 << 40)], kind: .allocation,
                    naming: ["1099511627776"], "a tensor object per chunk past any memory")
    }

    @Test("every registered op is called")
    func everyOpCovered() {
        let called = Set(Self.calls.map(\.op))
        #expect(Self.registry.opNames.filter { !called.contains($0) } == [])
    }

    @Test("the registry holds the same ops after every refused call")
    func registryUnchanged() {
        let before = Self.registry.opNames
        for c in Self.calls {
            _ = try? Self.registry.callOutputs(c.op, [], attributes: ["no_such_attribute": 1])
        }
        #expect(Self.registry.opNames == before)
        #expect(Self.registry.opNames == OpRegistry.withBuiltins().opNames)
    }
}
