import Autograd
import Conformance
import Testing

/// Every built-in op passes every applicable check, in process, with the
/// reference cases; the large input is reduced to keep debug test runs short
/// (the tool itself always uses at least a million elements).
@Suite struct BuiltinOpsConformanceTests {
    static let registry = OpRegistry.withBuiltins()

    @Test(arguments: OpRegistry.withBuiltins().opNames)
    func builtinOpPassesEveryCheck(op: String) throws {
        var configuration = KernelCheck.Configuration()
        configuration.largeElementCount = 1 << 12
        configuration.threadCount = 2
        configuration.cases = Fixtures.cases
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        #expect(report.passed.count > 10)
    }

    @Test func referenceCasesCoverTheirOps() throws {
        var configuration = KernelCheck.Configuration()
        configuration.cases = Fixtures.cases
        configuration.checks = [.forward]
        let report = try KernelCheck(op: "sum", registry: Self.registry, configuration: configuration).run()
        #expect(report.results.allSatisfy { $0.status == .pass && $0.message.contains("case(s)") })
    }
}
