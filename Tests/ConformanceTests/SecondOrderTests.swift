import Autograd
import Conformance
import Testing

/// An op that claims no higher order must refuse a second derivative with an
/// error naming it; one that answers silently fails the check.
@Suite struct SecondOrderTests {
    static func registry(refusing: Bool) throws -> OpRegistry {
        let registry = OpRegistry.withBuiltins()
        try registry.register(OpDefinition(
            name: "test.first_order_only", inputs: ["x"], elementwise: true,
            forward: .composite { ctx in ctx.inputs[0] * ctx.inputs[0] }, supportsHigherOrder: false
        ) { ctx in
            // A recorded backward (createGraph) runs with grad mode on.
            if refusing && GradMode.isEnabled {
                throw AutogradError(.backward, "test.first_order_only: no second-order gradient (supportsHigherOrder is false)")
            }
            return [ctx.gradOutput * 2 * ctx.inputs[0]]
        })
        return registry
    }

    static var configuration: KernelCheck.Configuration {
        var configuration = KernelCheck.Configuration()
        configuration.checks = [.secondOrder]
        return configuration
    }

    @Test func refusingOpPasses() throws {
        let report = try KernelCheck(op: "test.first_order_only", registry: Self.registry(refusing: true),
                                     configuration: Self.configuration).run()
        #expect(report.results.map(\.status) == [.pass], "\(report.text())")
    }

    /// The engine ties a first-order-only backward's gradients to a node that throws,
    /// so even a rule that does not refuse by itself cannot answer silently.
    @Test func engineRefusesForARuleThatDoesNot() throws {
        let report = try KernelCheck(op: "test.first_order_only", registry: Self.registry(refusing: false),
                                     configuration: Self.configuration).run()
        #expect(report.results.map(\.status) == [.pass], "\(report.text())")
        #expect(report.results.first?.message.contains("first-order only") == true)
    }

    /// An op that claims higher order but whose backward records nothing gives a
    /// silently wrong (zero) second derivative: gradgradcheck catches it.
    @Test func unrecordedBackwardFailsGradgradcheck() throws {
        let registry = OpRegistry.withBuiltins()
        try registry.register(OpDefinition(
            name: "test.claims_second_order", inputs: ["x"], elementwise: true,
            forward: .composite { ctx in ctx.inputs[0] * ctx.inputs[0] * ctx.inputs[0] }
        ) { ctx in
            [withNoGrad { ctx.gradOutput * 3 * ctx.inputs[0] * ctx.inputs[0] }]
        })
        let report = try KernelCheck(op: "test.claims_second_order", registry: registry,
                                     configuration: Self.configuration).run()
        #expect(report.results.map(\.status) == [.fail], "\(report.text())")
        #expect(report.results.first?.message.contains("sum(grad · v)") == true)
    }
}
