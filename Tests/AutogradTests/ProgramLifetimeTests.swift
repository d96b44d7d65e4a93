import Autograd
import Testing
import TestSupport

/// A replayed program holds no reference cycle: once its tensors are dropped (and,
/// after `createGraph`, the leaves' `grad` cleared as PyTorch advises), every tensor
/// it named is freed.
@Suite("Program lifetimes")
struct ProgramLifetimeTests {
    @Test("every tensor a program named is freed when the program ends", arguments: Program.all)
    func freesItsTensors(_ program: Program) {
        var alive: [(name: String, isAlive: () -> Bool)] = []
        do {
            var run = ProgramRun(program: program)
            _ = run.execute(program.steps[...])
            for tensor in run.tensors.values { tensor.grad = nil }
            alive = run.tensors.map { name, tensor in (name, { [weak tensor] in tensor != nil }) }
        }
        let leaked = alive.filter { $0.isAlive() }.map(\.name).sorted()
        #expect(leaked.isEmpty, "\(program.id): still alive after the program: \(leaked)")
    }
}
