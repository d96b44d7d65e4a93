import Autograd
import Conformance
import Foundation
import Testing

/// Where kernel-check's samples come from for ops it has no table entry for: the
/// declaration, a reference case, or a failure that says how to declare one.
@Suite struct SampleTests {
    /// A small run: every check, small large inputs, two threads.
    static var configuration: KernelCheck.Configuration {
        var configuration = KernelCheck.Configuration()
        configuration.largeElementCount = 1 << 10
        configuration.threadCount = 2
        return configuration
    }

    static func registry(_ definitions: [OpDefinition]) throws -> OpRegistry {
        let registry = OpRegistry.withBuiltins()
        try registry.register(definitions)
        return registry
    }

    /// The README's op with an int64 input and two outputs: rows of x picked by index.
    static let takeRows = OpDefinition(
        name: "user.take_rows", inputs: [.tensor("x"), .indices("rows")],
        outputs: ["values", .indices("rows")],
        outputShape: ShapeRule.outputs { ctx in
            guard ctx.shapes[0].count == 2, ctx.shapes[1].count == 1 else { throw ctx.error("x [n, m] and rows [k]") }
            return [[ctx.shapes[1][0]] + ctx.shapes[0].dropFirst(), ctx.shapes[1]]
        },
        // Through the registry, which throws on an index out of range where the
        // `indexSelect` sugar would trap (kernel-check probes for the bound), and with
        // the error naming this op, not only the one inside it.
        forward: .composite(outputs: { ctx in
            do {
                return [try OpRegistry.shared.call("index_select", [ctx.inputs[0], ctx.inputs[1]], attributes: ["dim": 0]),
                        ctx.inputs[1]]
            } catch {
                throw AutogradError(.kernel, "user.take_rows: \(error)")
            }
        }),
        reference: "index_select(x, rows, dim=0), rows",
        jvp: .linear
    ) { ctx in
        [Tensor.zeros(ctx.inputShapes[0], dtype: ctx.gradOutput.dtype).indexAdd(dim: 0, index: ctx.inputs[1], source: ctx.gradOutput), nil]
    }

    @Test func userOpWithIndicesAndTwoOutputsIsSynthesisedAndPasses() throws {
        let report = try KernelCheck(op: "user.take_rows", registry: Self.registry([Self.takeRows]),
                                     configuration: Self.configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        let samples = try #require(report.result(op: "user.take_rows", check: .samples))
        #expect(samples.message.contains("synthesised") && samples.message.contains("int64 indices into dim 0"), "\(samples.message)")
        // Both outputs compared with the reference; the gradient checked through the float one.
        #expect(report.result(op: "user.take_rows", check: .forward, dtype: "float64")?.message.contains("reference") == true)
        #expect(report.result(op: "user.take_rows", check: .gradient)?.status == .pass)
        #expect(report.result(op: "user.take_rows", check: .forwardMode)?.status == .pass)
        // An index past the rows of x must be a thrown error, not a trap.
        #expect(report.result(op: "user.take_rows", check: .errorInputs)?.message.contains("past the dim it indexes") == true)
    }

    /// The README's user-registered op passes every check from its definition alone.
    @Test func theReadmesUserOpPasses() throws {
        let softplus = OpDefinition(
            name: "my.softplus", inputs: ["x"],
            attributes: [AttributeSpec("beta", .double, default: 1.0)],
            elementwise: true,
            forward: .composite { ctx in
                let beta = ctx.attributes.double("beta"), z = beta * ctx.inputs[0]
                return (relu(z) + log(1 + exp(-abs(z)))) / beta
            },
            reference: "where(gt(beta * x, 20), x, log(1 + exp(beta * x)) / beta)",
            derivative: .partials { ctx in [sigmoid(ctx.attributes.double("beta") * ctx.inputs[0])] })
        let report = try KernelCheck(op: "my.softplus", registry: Self.registry([softplus]), configuration: Self.configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
    }

    @Test func listAndOptionalInputsAreCheckedInSeveralForms() throws {
        let stackSum = OpDefinition(
            name: "user.sum_all", inputs: [.list("tensors"), .optional("bias")], elementwise: true,
            forward: .composite { ctx in
                let given = ctx.inputs.given
                return given.dropFirst().reduce(given[0], +)
            },
            reference: nil, jvp: .linear
        ) { ctx in ctx.needsInputGrad.map { $0 ? ctx.gradOutput : nil } }
        let report = try KernelCheck(op: "user.sum_all", registry: Self.registry([stackSum]), configuration: Self.configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        let samples = try #require(report.result(op: "user.sum_all", check: .samples)?.message)
        #expect(samples.contains("without bias") && samples.contains("tensors of 1 tensor") && samples.contains("tensors of 3 tensors"),
                "\(samples)")
        let gradient = try #require(report.result(op: "user.sum_all", check: .gradient)?.message)
        #expect(gradient.contains("also without bias") && gradient.contains("tensors of 3 tensors"), "\(gradient)")
    }

    /// An op whose shape rule accepts nothing kernel-check can guess fails its samples
    /// row, saying how to declare a sample; the rows that need one do not pass.
    @Test func anOpNothingSamplesFailsSayingHowToDeclareOne() throws {
        let picky = OpDefinition(
            name: "user.picky", inputs: ["x"],
            outputShape: ShapeRule { ctx in
                guard ctx.shapes[0] == [7, 1, 3] else { throw ctx.error("x of shape [7, 1, 3]") }
                return ctx.shapes[0]
            },
            forward: .composite { ctx in ctx.inputs[0] * 2 }, reference: "2 * x", jvp: .linear
        ) { ctx in [ctx.gradOutput * 2] }
        let registry = try Self.registry([picky])
        let report = try KernelCheck(op: "user.picky", registry: registry, configuration: Self.configuration).run()
        let samples = try #require(report.result(op: "user.picky", check: .samples))
        #expect(samples.status == .fail)
        #expect(samples.message.contains("Declare a sample") && samples.message.contains("KernelCheck.Configuration.sample")
                && samples.message.contains("--cases"), "\(samples.message)")
        #expect(report.passed.allSatisfy { $0.check == .declaration }, "\(report.text())")

        var configuration = Self.configuration
        configuration.sample = OpSample(inputs: [InputSpec([7, 1, 3])])
        let declared = try KernelCheck(op: "user.picky", registry: registry, configuration: configuration).run()
        #expect(declared.failures.isEmpty, "\(declared.text())")
    }

    @Test func aFormat2CaseGivesASample() throws {
        let picky = OpDefinition(
            name: "user.scaled_rows", inputs: ["x", .indices("rows")], attributes: [AttributeSpec("factor", .double)],
            outputShape: ShapeRule { ctx in
                guard ctx.shapes[0] == [5, 2], ctx.shapes[1] == [3] else { throw ctx.error("x [5, 2] and rows [3]") }
                return [3, 2]
            },
            forward: .composite { ctx in ctx.inputs[0].indexSelect(dim: 0, index: ctx.inputs[1]) * ctx.attributes.double("factor") },
            reference: "index_select(x, rows, dim=0) * factor", jvp: .linear
        ) { ctx in
            let g = ctx.gradOutput * ctx.attributes.double("factor")
            return [Tensor.zeros(ctx.inputShapes[0], dtype: g.dtype).indexAdd(dim: 0, index: ctx.inputs[1], source: g), nil]
        }
        let json = """
            {"cases": [{"id": "c-1", "op": "user.scaled_rows", "kind": "vjp", "dtype": "float64",
              "inputs": [{"shape": [5, 2], "dtype": "float64", "data": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]},
                         {"shape": [3], "dtype": "int64", "data": [4, 0, 4]}],
              "attrs": {"factor": 0.5},
              "outputs": [{"shape": [3, 2], "dtype": "float64", "data": [4.5, 5, 0.5, 1, 4.5, 5]}],
              "upstreams": [{"shape": [3, 2], "dtype": "float64", "data": [1, 1, 1, 1, 1, 1]}],
              "grads": [{"shape": [5, 2], "dtype": "float64", "data": [0.5, 0.5, 0, 0, 0, 0, 0, 0, 1, 1]}, null]}]}
            """
        var configuration = Self.configuration
        configuration.cases = try ReferenceCases(json: Data(json.utf8))
        let report = try KernelCheck(op: "user.scaled_rows", registry: Self.registry([picky]), configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        let samples = try #require(report.result(op: "user.scaled_rows", check: .samples)?.message)
        #expect(samples.contains("from case c-1") && samples.contains("factor=0.5"), "\(samples)")
        #expect(report.result(op: "user.scaled_rows", check: .forward, dtype: "float64")?.message.contains("1 case(s)") == true)
    }

    @Test func aReferenceOfTheWrongShapeIsADeclarationError() throws {
        let op = OpDefinition(name: "user.double", inputs: ["x"], elementwise: true,
                              forward: .composite { ctx in ctx.inputs[0] * 2 }, reference: "sum(2 * x)",
                              derivative: .partials { ctx in [Tensor.full(ctx.inputs[0].shape, 2, dtype: ctx.inputs[0].dtype)] })
        var configuration = Self.configuration
        configuration.checks = [.declaration, .forward]
        let report = try KernelCheck(op: "user.double", registry: Self.registry([op]), configuration: configuration).run()
        let declaration = try #require(report.result(op: "user.double", check: .declaration))
        #expect(declaration.status == .fail && declaration.message.contains("gives shape []"), "\(declaration.message)")
        let forward = try #require(report.result(op: "user.double", check: .forward, dtype: "float64"))
        #expect(forward.status == .fail && forward.message.contains("declaration error"), "\(forward.message)")
    }

    /// Issue 14's row-sum with a gradient wrong by ×2: sampled from its shape rule, so
    /// gradcheck runs and fails, and nothing else does.
    @Test func aRowSumWithAWrongGradientFailsItsGradientRow() throws {
        let rowsum = OpDefinition(
            name: "user.rowsum", inputs: ["x"],
            outputShape: ShapeRule { ctx in
                guard ctx.shapes[0].count == 2 else { throw ctx.error("x of two dims") }
                return [ctx.shapes[0][0]]
            },
            forward: .composite { ctx in ctx.inputs[0].sum(dims: [1]) }, reference: "sum(x, dims=[1])", jvp: .linear
        ) { ctx in [2 * ctx.gradOutput.unsqueezed(dim: 1).expanded(to: ctx.inputShapes[0])] }
        let report = try KernelCheck(op: "user.rowsum", registry: Self.registry([rowsum]), configuration: Self.configuration).run()
        #expect(Set(report.failures.map(\.check)) == [.gradient], "\(report.text())")
    }

    @Test func aDifferentiableOpWithoutAForwardRuleFails() throws {
        let op = OpDefinition(name: "user.no_jvp", inputs: ["x"], elementwise: true,
                              forward: .composite { ctx in ctx.inputs[0] * 3 }, reference: "3 * x") { ctx in [ctx.gradOutput * 3] }
        var configuration = Self.configuration
        configuration.checks = [.forwardMode]
        let row = try #require(try KernelCheck(op: "user.no_jvp", registry: Self.registry([op]), configuration: configuration)
            .run().results.first)
        #expect(row.status == .fail && row.message.contains("no forward-mode rule"), "\(row.message)")
    }
}
