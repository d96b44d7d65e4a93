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

    @Test func silentSecondOrderFails() throws {
        let report = try KernelCheck(op: "test.first_order_only", registry: Self.registry(refusing: false),
                                     configuration: Self.configuration).run()
        #expect(report.results.map(\.status) == [.fail], "\(report.text())")
        #expect(report.results.first?.message.contains("silently wrong") == true)
    }
}
