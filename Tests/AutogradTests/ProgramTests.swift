import Foundation
import Testing
@testable import Autograd
import TestSupport

/// The autograd programs PyTorch ran step by step (Fixtures/programs.json, see the
/// reference README): views, in-place updates and version counters, graph
/// retention, accumulation, `grad(of:wrt:)`. Each is replayed through the public
/// API; every value and gradient must match, and every step PyTorch refused must
/// be refused here.
@Suite("PyTorch programs")
struct ProgramTests {
    @Test("replays with PyTorch's values, gradients and refusals", arguments: Program.all)
    func replay(_ program: Program) throws {
        var run = ProgramRun(program: program)
        // After `backward(createGraph: true)` a leaf's grad holds a graph that holds the leaf: the
        // reference cycle PyTorch documents. Clearing grad after use, as PyTorch advises, breaks it.
        defer { for tensor in run.tensors.values { tensor.grad = nil } }
        let refusal = run.execute(program.steps[...])
        let refusedStep = program.steps.firstIndex { $0.error == true }
        switch (refusedStep, refusal) {
        case (nil, let (step, error)?):
            Issue.record("\(program.id): step \(step) (\(program.steps[step].do)) threw, but PyTorch ran it: \(error)")
            return
        case (let expected?, nil):
            Issue.record("""
                \(program.id): step \(expected) (\(program.steps[expected].do)) ran, but PyTorch refused it: \
                \(program.steps[expected].torchError ?? "")
                """)
            return
        case (let expected?, let (step, _)?) where expected != step:
            Issue.record("\(program.id): step \(step) was refused; PyTorch refused step \(expected)")
            return
        default:
            break
        }
        let tolerance: (atol: Double, rtol: Double) = program.dtype == "float64" ? (1e-12, 1e-10) : (1e-5, 1e-4)
        for check in program.checks {
            if let name = check.value {
                let t = try #require(run.tensors[name], "\(program.id): no tensor \(name)")
                expectClose(t, shape: check.expect!.shape, check.expect!.scalars, atol: tolerance.atol, rtol: tolerance.rtol,
                             "\(program.id) value of \(name)")
            }
            if let name = check.grad, refusedStep == nil {
                let t = try #require(run.tensors[name], "\(program.id): no tensor \(name)")
                guard let want = check.expect else {
                    #expect(t.grad == nil, "\(program.id): \(name).grad should be nil, is \(String(describing: t.grad))")
                    continue
                }
                expectClose(t.grad, shape: want.shape, want.scalars, atol: tolerance.atol, rtol: tolerance.rtol,
                             "\(program.id) grad of \(name)")
            }
        }
    }
}

/// The state of one replay: the tensors by name.
struct ProgramRun {
    let program: Program
    var tensors: [String: Tensor] = [:]
    var dtype: DType { program.dtype == "float64" ? .float64 : .float32 }

    init(program: Program) { self.program = program }

    /// Runs `steps`; returns the index and error of the first that throws (the program ends there).
    mutating func execute(_ steps: ArraySlice<Program.Step>) -> (Int, Error)? {
        var index = steps.startIndex
        while index < steps.endIndex {
            let step = steps[index]
            if step.do == "begin_no_grad" {
                // The steps up to the matching end run inside withNoGrad.
                var depth = 0, end = index + 1
                while end < steps.endIndex && !(steps[end].do == "end_no_grad" && depth == 0) {
                    if steps[end].do == "begin_no_grad" { depth += 1 }
                    if steps[end].do == "end_no_grad" { depth -= 1 }
                    end += 1
                }
                var inner = self
                let failure = withNoGrad { inner.execute(steps[(index + 1)..<end]) }
                self = inner
                if let failure { return failure }
                index = end + 1
                continue
            }
            do {
                try perform(step)
            } catch {
                return (index, error)
            }
            index += 1
        }
        return nil
    }

    private func tensor(_ name: String?) throws -> Tensor {
        guard let name, let t = tensors[name] else { throw ProgramError("no tensor named \(name ?? "nil")") }
        return t
    }

    private mutating func perform(_ step: Program.Step) throws {
        switch step.do {
        case "leaf":
            let value = step.value!
            tensors[step.out!.single] = Tensor(shape: value.shape, scalars: value.scalars, dtype: dtype,
                                               requiresGrad: step.requiresGrad ?? false)
        case "op":
            let inputs = try step.inputs!.map { try tensor($0) }
            tensors[step.out!.single] = try OpRegistry.shared.call(step.op!, inputs, attributes: step.attributes)
        case "inplace":
            let target = try tensor(step.target)
            let op: Op = switch step.kind! {
            case "add": InPlaceOps.add
            case "sub": InPlaceOps.sub
            case "mul": InPlaceOps.mul
            case "div": InPlaceOps.div
            case "zero": InPlaceOps.fill
            default: throw ProgramError("unknown in-place kind \(step.kind!)")
            }
            if step.kind == "zero" {
                try target.update(op, [], attributes: ["value": 0.0])
            } else {
                let other = try step.scalar.map { target.scalar($0) } ?? tensor(step.other)
                try target.update(op, [other])
            }
        case "detach":
            tensors[step.out!.single] = try tensor(step.input).detach()
        case "retain_grad":
            try tensor(step.target).retainGrad()
        case "backward":
            try tensor(step.target).backward(retainGraph: step.retainGraph, createGraph: step.createGraph ?? false)
        case "grad":
            let wrt = try step.wrt!.map { try tensor($0) }
            let results = try grad(of: step.of!.map { try tensor($0) }, wrt: wrt, createGraph: step.createGraph ?? false,
                                   allowUnused: step.allowUnused ?? false)
            for (i, name) in step.out!.names.enumerated() {
                tensors[name] = results[i] ?? Tensor.zeros(like: wrt[i])
            }
        case "zero_grad":
            let target = try tensor(step.target)
            guard let g = target.grad else { throw ProgramError("\(step.target!) has no grad to zero") }
            try withNoGrad { try g.update(InPlaceOps.fill, [], attributes: ["value": 0.0]) }
        case "sgd_step":
            let target = try tensor(step.target)
            guard let g = target.grad else { throw ProgramError("\(step.target!) has no grad") }
            try withNoGrad { try target.update(InPlaceOps.sub, [step.lr! * g]) }
        default:
            throw ProgramError("unknown step \(step.do)")
        }
    }
}

struct ProgramError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Program: CustomTestStringConvertible {
    public var testDescription: String { id }
}
