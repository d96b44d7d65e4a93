import Autograd
import AutogradDistributed
import Foundation

/// Logging and checkpointing on rank 0 only.
enum RankZeroChecks {
    static func all(scratch: URL) -> [Check] {
        [
            Check(name: "log-on-rank-zero") { group in
                // The launching test counts these lines: one, from rank 0.
                group.log("log line from rank \(group.rank)")
            },
            Check(name: "save-checkpoint") { group in
                let url = scratch.appendingPathComponent("checkpoint-\(group.worldSize).safetensors")
                if group.isRankZero {
                    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
                    try? FileManager.default.removeItem(at: url)
                }
                // Every rank's layer differs; rank 0's is the one saved, and every rank loads it.
                // Parameters are the tensors that require grad.
                let layer = Linear(weight: Tensor.full([2, 3], Double(group.rank + 1), requiresGrad: true),
                                   bias: Tensor.full([2], -1, requiresGrad: true))
                try group.saveCheckpoint(layer, to: url)
                let loaded = Linear(weight: Tensor.zeros([2, 3], requiresGrad: true), bias: Tensor.zeros([2], requiresGrad: true))
                try loaded.loadParameters(from: url)
                try expectValues(loaded.weight, [Double](repeating: 1, count: 6), "the weight every rank reads back")
                try group.barrier()
                if group.isRankZero { try FileManager.default.removeItem(at: url) }
            },
            Check(name: "save-checkpoint-failure") { group in
                let missing = scratch.appendingPathComponent("no-such-directory/checkpoint.safetensors")
                let layer = Linear(weight: Tensor.zeros([1, 1], requiresGrad: true), bias: nil)
                if group.isRankZero {
                    var thrown: (any Error)?
                    do { try group.saveCheckpoint(layer, to: missing) } catch { thrown = error }
                    try expect(thrown != nil && !(thrown is DistributedError),
                               "rank 0: expected its own error from saving, got \(String(describing: thrown))")
                } else {
                    try expectError(.remote, containing: ["saveCheckpoint", "rank 0 failed"], "the other ranks") {
                        try group.saveCheckpoint(layer, to: missing)
                    }
                }
            },
        ]
    }
}
