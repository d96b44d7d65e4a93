import Autograd
import AutogradDistributed
import Foundation

/// Data-parallel training by hand, as the README shows it: rank 0's weights broadcast,
/// each rank's share of every global batch from the sampler, gradients averaged.
/// In float64 it must give the parameters one process gets on the whole batches.
enum TrainingChecks {
    static let all: [Check] = [
        Check(name: "hand-averaged-training-matches-one-process") { group in
            let datasetCount = 48, perRank = 4, epochs = 2
            let globalBatch = perRank * group.worldSize
            try expect(datasetCount % globalBatch == 0, "the world of \(group.worldSize) must divide the data set evenly")

            let replica = model(seed: UInt64(group.rank))
            for p in replica.parameters() { try group.broadcast(p) }
            let reference = model(seed: 0)  // rank 0's initial weights, trained alone on whole batches
            let replicaOptimizer = SGD(replica.parameters(), learningRate: 0.1)
            let referenceOptimizer = SGD(reference.parameters(), learningRate: 0.1)
            let criterion = CrossEntropyLoss()
            let sampler = DistributedSampler(datasetCount: datasetCount, group: group, seed: 5)
            let wholeSet = DistributedSampler(datasetCount: datasetCount, rank: 0, worldSize: 1, seed: 5)

            for epoch in 0..<epochs {
                let mine = sampler.indices(epoch: epoch), all = wholeSet.indices(epoch: epoch)
                for step in 0..<(datasetCount / globalBatch) {
                    let share = Array(mine[step * perRank..<(step + 1) * perRank])
                    replicaOptimizer.zeroGrad()
                    try criterion(replica(inputs(share)), labels(share)).backward()
                    for p in replica.parameters() { try group.allReduce(p.grad!, operation: .average) }
                    replicaOptimizer.step()

                    // Dealt round-robin, the ranks' shares of step k are positions
                    // [k * globalBatch, (k + 1) * globalBatch) of the epoch's permutation.
                    let batch = Array(all[step * globalBatch..<(step + 1) * globalBatch])
                    try expect(Set(batch) == Set(try gatheredIndices(share, group)), "epoch \(epoch) step \(step): shares")
                    referenceOptimizer.zeroGrad()
                    try criterion(reference(inputs(batch)), labels(batch)).backward()
                    referenceOptimizer.step()
                }
            }
            for (p, q) in zip(replica.namedParameters(), reference.namedParameters()) {
                let worst = zip(p.tensor.scalars, q.tensor.scalars).map { abs($0 - $1) }.max() ?? 0
                try expect(worst < 1e-12, "\(p.name): the replica differs from one process by up to \(worst)")
            }
        },
    ]

    static func model(seed: UInt64) -> Sequential {
        var generator = RandomGenerator(seed: seed)
        return Sequential(Linear(6, 8, dtype: .float64, generator: &generator), Tanh(),
                          Linear(8, 3, dtype: .float64, generator: &generator))
    }

    /// Sample i: six features that are a fixed function of i, so every rank builds the same data.
    static func inputs(_ indices: [Int]) -> Tensor {
        let values = indices.flatMap { i in (0..<6).map { j in sin(Double(i) * 0.7 + Double(j)) } }
        return Tensor(shape: [indices.count, 6], scalars: values, dtype: .float64)
    }

    static func labels(_ indices: [Int]) -> Tensor {
        Tensor(shape: [indices.count], scalars: indices.map { Int64($0 % 3) }, dtype: .int64)
    }

    static func gatheredIndices(_ share: [Int], _ group: ProcessGroup) throws -> [Int] {
        try group.allGather(Tensor(shape: [share.count], scalars: share.map(Double.init), dtype: .float64))
            .scalars.map { Int($0) }
    }
}
