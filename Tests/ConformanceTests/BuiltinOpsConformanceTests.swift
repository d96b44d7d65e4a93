import Autograd
import Conformance
import Testing
import TestSupport

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
        configuration.cases = ReferenceFixtures.pytorch
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        #expect(report.passed.count > 10)
    }

    /// Cases of an op the registry lacks are a skipped row each, naming the file: never a pass.
    @Test func casesOfUnregisteredOpsAreReportedAsSkipped() throws {
        let rows = KernelCheck.unregisteredCaseRows(ReferenceFixtures.pytorch, registry: Self.registry)
        let names = Set(rows.map(\.op))
        #expect(names == Set(ReferenceFixtures.pytorch.cases.map(\.op)).subtracting(Self.registry.opNames))
        #expect(rows.count == names.count)
        for row in rows {
            #expect(row.status == .skip && row.check == .declaration, "\(row)")
            #expect(row.message.contains("not a registered op") && row.message.contains("ops2_cases.json"), "\(row.message)")
        }
        var one = ReferenceCases()
        one.cases = ReferenceFixtures.pytorch.cases.filter { $0.op == "sum" }
        one.cases[0].op = "user.nowhere"
        let row = try #require(KernelCheck.unregisteredCaseRows(one, registry: Self.registry).first)
        #expect(row.op == "user.nowhere" && row.message.contains("1 in "), "\(row.message)")
    }

    @Test func referenceCasesCoverTheirOps() throws {
        var configuration = KernelCheck.Configuration()
        configuration.cases = ReferenceFixtures.pytorch
        configuration.checks = [.forward]
        let report = try KernelCheck(op: "sum", registry: Self.registry, configuration: configuration).run()
        #expect(report.results.allSatisfy { $0.status == .pass && $0.message.contains("case(s)") })
    }
}
