import Autograd
import AutogradDistributed
import Foundation

/// `DistributedDataParallel` on a real world: training equal to one process's, parameters
/// some ranks do not use, a rank that uses none, accumulation, and models that differ.
enum DataParallelChecks {
    static let all: [Check] = [
        Check(name: "ddp-broadcasts-rank-zero-parameters") { group in
            let replica = model(seed: UInt64(group.rank + 1), dtype: .float32)
            let ddp = try DistributedDataParallel(replica, group: group)
            let reference = model(seed: 1, dtype: .float32)
            for (p, q) in zip(ddp.module.parameters(), reference.parameters()) {
                try expect(p.scalars == q.scalars, "rank \(group.rank): a parameter differs from rank 0's after construction")
            }
            let names = ddp.namedParameters().map(\.name)
            try expect(names == ["module.0.weight", "module.0.bias", "module.2.weight",
                                 "module.2.bias"], "names: \(names)")
        },
        // The acceptance test: B/worldSize per rank against B in one process, float32.
        Check(name: "ddp-matches-one-process-float32") { group in
            for capacity in [DistributedDataParallel<Sequential>.defaultBucketCapacityBytes, 0, 200] {
                let worst = try trainAgainstOneProcess(group, dtype: .float32, bucketCapacityBytes: capacity)
                try expect(worst <= float32Tolerance, """
                    bucket capacity \(capacity): the replica differs from one process by up to \(worst) \
                    (float32 round-off allows \(float32Tolerance))
                    """)
                group.log("  bucket capacity \(capacity) bytes: largest difference from one process \(worst)")
            }
        },
        Check(name: "ddp-matches-one-process-float64") { group in
            for capacity in [DistributedDataParallel<Sequential>.defaultBucketCapacityBytes, 0] {
                let worst = try trainAgainstOneProcess(group, dtype: .float64, bucketCapacityBytes: capacity)
                try expect(worst < 1e-12, "bucket capacity \(capacity): the replica differs by up to \(worst)")
            }
        },
        Check(name: "ddp-unused-parameter-on-one-rank") { group in
            // Every rank uses the trunk; only the last rank uses the extra head; no rank uses the spare head.
            let usesExtra = group.rank == group.worldSize - 1
            for capacity in [DistributedDataParallel<TwoHeads>.defaultBucketCapacityBytes, 0] {
                let net = TwoHeads(usesExtra: usesExtra)
                let ddp = try DistributedDataParallel(net, group: group, bucketCapacityBytes: capacity)
                let mirror = TwoHeads(usesExtra: usesExtra)  // the same weights, trained by hand
                for (p, q) in zip(mirror.parameters(), net.parameters()) { withNoGrad { try! p.copy(from: q) } }
                for step in 0..<3 {
                    let x = inputs(Array(group.rank * 4 + step..<group.rank * 4 + step + 4), dtype: .float32)
                    ddp.zeroGrad()
                    mirror.zeroGrad()
                    try ddp(x).sum().backward()
                    try mirror(x).sum().backward()
                    // By hand: zeros where this rank has no gradient, averaged over ranks.
                    for (name, p) in mirror.namedParameters() where name != "spare.weight" {
                        let g = p.grad ?? Tensor.zeros(p.shape)
                        try group.allReduce(g, operation: .average)
                        let synced = try require(net.namedParameters().first { $0.name == name }?.tensor.grad,
                                                  "step \(step): \(name) has no gradient after backward")
                        let worst = zip(synced.scalars, g.scalars).map { abs($0 - $1) }.max() ?? 0
                        try expect(worst <= 1e-6, "capacity \(capacity), step \(step), \(name): differs by \(worst)")
                    }
                    try expect(net.spare.weight.grad == nil, "a parameter no rank used keeps no gradient")
                }
            }
        },
        Check(name: "ddp-rank-using-no-parameters", minimumRanks: 2) { group in
            // Rank 0's loss depends on its input only: only the wrapper's output tells it a backward ran.
            let net = Gated(usesWeight: group.rank != 0)
            let ddp = try DistributedDataParallel(net, group: group)
            let x = Tensor.full([2, 3], Double(group.rank + 1), dtype: .float64, requiresGrad: true)
            try ddp(x).sum().backward()
            // d(sum(x W^T))/dW is each column's sum of x, for every output row: (rank + 1) * 2.
            let others = (1..<group.worldSize).map { Double($0 + 1) * 2 }.reduce(0, +)
            let expected = others / Double(group.worldSize)
            try expectValues(try require(net.weight.grad, "no gradient on rank \(group.rank)"),
                             [Double](repeating: expected, count: 6), "the weight's averaged gradient")
        },
        Check(name: "ddp-accumulation-without-synchronization") { group in
            let ddp = try DistributedDataParallel(model(seed: 3, dtype: .float64), group: group)
            let reference = model(seed: 3, dtype: .float64)
            let perRank = 4, globalBatch = perRank * group.worldSize
            let mine = Array(group.rank * perRank..<(group.rank + 1) * perRank)
            ddp.zeroGrad()
            try ddp.withoutGradientSynchronization {
                try criterion(ddp(inputs(Array(mine.prefix(2)), dtype: .float64)), labels(Array(mine.prefix(2))))
                    .backward()
            }
            try criterion(ddp(inputs(Array(mine.suffix(2)), dtype: .float64)), labels(Array(mine.suffix(2)))).backward()
            // Two half-batch means summed, averaged over ranks: the global mean times two.
            let all = Array(0..<globalBatch)
            try (criterion(reference(inputs(all, dtype: .float64)), labels(all)) * 2).backward()
            for (p, q) in zip(ddp.module.parameters(), reference.parameters()) {
                let worst = zip(p.grad!.scalars, q.grad!.scalars).map { abs($0 - $1) }.max() ?? 0
                try expect(worst < 1e-12, "accumulated gradient differs by \(worst)")
            }
        },
        Check(name: "ddp-mismatched-models", minimumRanks: 2) { group in
            let layer = Linear(3, group.rank == 0 ? 2 : 4)
            try expectError(.mismatch, containing: ["DistributedDataParallel", "same parameters",
                                                    "rank 0: 2 parameters and 0 buffers, 8 elements",
                                                    "rank 1: 2 parameters and 0 buffers, 16 elements"], "widths differ") {
                _ = try DistributedDataParallel(layer, group: group)
            }
        },
    ]

    /// The largest float32 difference allowed after `steps` SGD steps: a few units in
    /// the last place of parameters of size about 1, per step.
    static let float32Tolerance = 1e-6
    static let steps = 10

    /// Trains a DDP replica on this rank's share of each global batch and a plain model
    /// on the whole batch, from rank 0's weights; returns the largest parameter difference.
    static func trainAgainstOneProcess(_ group: ProcessGroup, dtype: DType, bucketCapacityBytes: Int) throws -> Double {
        let perRank = 4, globalBatch = perRank * group.worldSize
        let ddp = try DistributedDataParallel(model(seed: UInt64(group.rank + 10), dtype: dtype), group: group,
                                              bucketCapacityBytes: bucketCapacityBytes)
        let reference = model(seed: 10, dtype: dtype)
        let replicaOptimizer = SGD(ddp.parameters(), learningRate: 0.1)
        let referenceOptimizer = SGD(reference.parameters(), learningRate: 0.1)
        let datasetCount = globalBatch * steps
        let sampler = DistributedSampler(datasetCount: datasetCount, group: group, seed: 8)
        let wholeSet = DistributedSampler(datasetCount: datasetCount, rank: 0, worldSize: 1, seed: 8)
        let mine = sampler.indices(epoch: 0), all = wholeSet.indices(epoch: 0)
        for step in 0..<steps {
            let share = Array(mine[step * perRank..<(step + 1) * perRank])
            replicaOptimizer.zeroGrad()
            try criterion(ddp(inputs(share, dtype: dtype)), labels(share)).backward()
            replicaOptimizer.step()

            let batch = Array(all[step * globalBatch..<(step + 1) * globalBatch])
            referenceOptimizer.zeroGrad()
            try criterion(reference(inputs(batch, dtype: dtype)), labels(batch)).backward()
            referenceOptimizer.step()
        }
        var worst = 0.0
        for (p, q) in zip(ddp.module.parameters(), reference.parameters()) {
            worst = max(worst, zip(p.scalars, q.scalars).map { abs($0 - $1) }.max() ?? 0)
        }
        return worst
    }

    static let criterion = CrossEntropyLoss()

    static func model(seed: UInt64, dtype: DType) -> Sequential {
        var generator = RandomGenerator(seed: seed)
        return Sequential(Linear(6, 16, dtype: dtype, generator: &generator), Tanh(),
                          Linear(16, 3, dtype: dtype, generator: &generator))
    }

    static func inputs(_ indices: [Int], dtype: DType) -> Tensor {
        TrainingChecks.inputs(indices).converted(to: dtype)
    }

    static func labels(_ indices: [Int]) -> Tensor { TrainingChecks.labels(indices) }
}

/// A trunk every rank uses, an extra head some ranks use, and a spare head no rank uses.
final class TwoHeads: Module {
    let trunk: Linear
    let extra: Linear
    let spare: Linear
    let usesExtra: Bool

    init(usesExtra: Bool) {
        var generator = RandomGenerator(seed: 21)
        trunk = Linear(6, 5, generator: &generator)
        extra = Linear(5, 5, generator: &generator)
        spare = Linear(5, 5, bias: false, generator: &generator)
        self.usesExtra = usesExtra
    }

    func forward(_ x: Tensor) -> Tensor {
        let h = tanh(trunk(x))
        return usesExtra ? h + extra(h) : h
    }
}

/// `x W^T` when it uses its weight, `x * 2` when not.
final class Gated: Module {
    let weight = Tensor.full([2, 3], 0.5, dtype: .float64, requiresGrad: true)
    let usesWeight: Bool

    init(usesWeight: Bool) { self.usesWeight = usesWeight }

    func forward(_ x: Tensor) -> Tensor {
        usesWeight ? matmul(x, weight.transposed(0, 1)) : x * 2
    }
}

/// `try require(value, message)` for the driver, which has no test framework.
func require<T>(_ value: T?, _ message: @autoclosure () -> String) throws -> T {
    guard let value else { throw CheckFailure(description: message()) }
    return value
}
