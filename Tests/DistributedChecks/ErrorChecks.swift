import Autograd
import AutogradDistributed
import Foundation

/// Bad input throws on every rank, naming the operation, the shapes and the dtypes, and nobody hangs.
enum ErrorChecks {
    static let all: [Check] = [
        Check(name: "non-contiguous-tensor") { group in
            let t = Tensor.zeros([3, 2]).transposed(0, 1)
            try expectError(.invalidTensor, containing: ["allReduce", "contiguous", "[2, 3]", "strides [1, 2]", "float32"],
                            "all-reduce of a transposed tensor") { try group.allReduce(t) }
            try expectError(.invalidTensor, containing: ["allReduce", "contiguous"], "start of one") {
                _ = try group.startAllReduce(t)
            }
            try expectError(.invalidTensor, containing: ["broadcast", "contiguous"], "broadcast of one") {
                try group.broadcast(t)
            }
        },
        Check(name: "broadcast-root-outside-world") { group in
            try expectError(.invalidRank, containing: ["broadcast", "root rank \(group.worldSize)", "world of \(group.worldSize)"],
                            "broadcast from a rank past the last") {
                try group.broadcast(Tensor([1.0]), from: group.worldSize)
            }
        },
        Check(name: "all-gather-mismatched-shapes", minimumRanks: 2) { group in
            let x = Tensor.zeros([group.rank + 1])
            try expectError(.mismatch, containing: ["allGather", "same shape and dtype", "rank 0: [1] float32",
                                                    "rank 1: [2] float32"], "shapes [r + 1]") {
                _ = try group.allGather(x)
            }
            let ranked = group.rank == 0 ? Tensor.zeros([2]) : Tensor.zeros([2, 1])
            try expectError(.mismatch, containing: ["rank 0: [2] float32", "rank 1: [2, 1] float32"], "different ranks") {
                _ = try group.allGather(ranked)
            }
            let typed = Tensor.zeros([2], dtype: group.rank == 0 ? .float64 : .float32)
            try expectError(.mismatch, containing: ["rank 0: [2] float64", "rank 1: [2] float32"], "different dtypes") {
                _ = try group.allGather(typed)
            }
        },
        Check(name: "all-gather-bad-tensor-on-one-rank", minimumRanks: 2) { group in
            let last = group.worldSize - 1
            let x = group.rank == last ? Tensor.zeros([3, 2]).transposed(0, 1) : Tensor.zeros([2, 3])
            if group.rank == last {
                try expectError(.invalidTensor, containing: ["allGather", "contiguous", "[2, 3]"], "the faulty rank") {
                    _ = try group.allGather(x)
                }
            } else {
                try expectError(.remote, containing: ["allGather", "rank \(last)'s tensor", "contiguous"], "the others") {
                    _ = try group.allGather(x)
                }
            }
        },
        // Only with AUTOGRAD_DISTRIBUTED_DEBUG=1 do the ranks compare shapes before an all-reduce;
        // without it, MPI would be handed mismatched counts.
        Check(name: "debug-all-reduce-mismatched-shapes", minimumRanks: 2) { group in
            guard ProcessInfo.processInfo.environment["AUTOGRAD_DISTRIBUTED_DEBUG"] == "1" else { return }
            let x = Tensor.zeros([group.rank + 2], dtype: .float64)
            try expectError(.mismatch, containing: ["allReduce", "rank 0: [2] float64", "rank 1: [3] float64"],
                            "all-reduce of shapes [r + 2]") { try group.allReduce(x) }
            try expectError(.mismatch, containing: ["allReduce", "rank 1: [3] float64"], "its start") {
                _ = try group.startAllReduce(x)
            }
            try expectError(.mismatch, containing: ["broadcast"], "broadcast") { try group.broadcast(x) }
        },
    ]
}
