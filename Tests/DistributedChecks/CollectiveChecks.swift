// `narrowed` (SPI) makes a contiguous view that starts inside its storage.
@_spi(Conformance) import Autograd
import AutogradDistributed
import Foundation

/// The collectives against values known in closed form: rank r contributes multiples of r + 1.
enum CollectiveChecks {
    static let all: [Check] = [
        Check(name: "world-from-environment") { group in
            let environment = ProcessInfo.processInfo.environment
            if let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init),
               let rank = environment["OMPI_COMM_WORLD_RANK"].flatMap(Int.init) {
                try expect(group.usesMPI, "launched by mpirun, but the group does not use MPI")
                try expect(group.worldSize == size && group.rank == rank,
                           "mpirun says rank \(rank) of \(size); the group says \(group.rank) of \(group.worldSize)")
            } else {
                try expect(!group.usesMPI && group.worldSize == 1 && group.rank == 0,
                           "started without mpirun: expected rank 0 of 1 without MPI, got \(group)")
            }
        },
        Check(name: "all-reduce-sum") { group in
            for dtype in [DType.float32, .float64] {
                let x = contribution(of: group, shape: [2, 3], dtype: dtype)
                try group.allReduce(x)
                let total = Double(group.worldSize * (group.worldSize + 1) / 2)
                try expectValues(x, (1...6).map { Double($0) * total }, "sum of (rank + 1) * [1...6], \(dtype)")
            }
        },
        Check(name: "all-reduce-average") { group in
            for dtype in [DType.float32, .float64] {
                let x = contribution(of: group, shape: [4], dtype: dtype)
                try group.allReduce(x, operation: .average)
                let mean = Double(group.worldSize + 1) / 2
                let expected = (1...4).map { dtype == .float32 ? Double(Float(Double($0) * mean)) : Double($0) * mean }
                try expectValues(x, expected, "average of (rank + 1) * [1...4], \(dtype)")
            }
        },
        Check(name: "all-reduce-view-with-offset") { group in
            // Rows 1 and 2 of a 4x3 tensor: a contiguous view that starts 3 elements in.
            let base = contribution(of: group, shape: [4, 3], dtype: .float32)
            let before = base.scalars
            try group.allReduce(base.narrowed(0, start: 1, length: 2))
            let after = base.scalars, n = Double(group.worldSize)
            try expect(Array(after[0..<3]) == Array(before[0..<3]) && Array(after[9...]) == Array(before[9...]),
                       "rows outside the view changed: \(before) became \(after)")
            let total = n * (n + 1) / 2
            try expect(Array(after[3..<9]) == (4...9).map { Double($0) * total },
                       "the view's rows: expected the sum, got \(Array(after[3..<9]))")
        },
        Check(name: "all-reduce-large") { group in
            let count = 1 << 20
            let x = Tensor(shape: [count], scalars: [Float](repeating: Float(group.rank + 1), count: count))
            try group.allReduce(x)
            let total = Float(group.worldSize * (group.worldSize + 1) / 2)
            try x.withUnsafeBufferPointer(as: Float.self) { values in
                try expect(values.allSatisfy { $0 == total }, "1M elements: expected every one \(total)")
            }
        },
        Check(name: "broadcast") { group in
            for root in Set([0, group.worldSize - 1]).sorted() {
                for dtype in [DType.float32, .float64] {
                    let x = contribution(of: group, shape: [3], dtype: dtype)
                    try group.broadcast(x, from: root)
                    try expectValues(x, (1...3).map { Double($0 * (root + 1)) }, "broadcast from rank \(root), \(dtype)")
                }
            }
        },
        Check(name: "all-gather") { group in
            for dtype in [DType.float32, .float64] {
                let x = contribution(of: group, shape: [2], dtype: dtype)
                let gathered = try group.allGather(x)
                try expect(gathered.shape == [group.worldSize, 2], "shape: expected [\(group.worldSize), 2], got \(gathered.shape)")
                let expected: [Double] = (0..<group.worldSize).flatMap { (r: Int) -> [Double] in
                    let k = Double(r + 1)
                    return [k, 2 * k]
                }
                try expectValues(gathered, expected, "gathered rows, \(dtype)")
                try expectValues(x, [Double(group.rank + 1), Double(2 * (group.rank + 1))], "the input, left as it was")
            }
            let scalar = try group.allGather(Tensor(Double(group.rank), dtype: .float64))
            try expectValues(scalar, (0..<group.worldSize).map(Double.init), "0-d tensors gathered into a vector")
        },
        Check(name: "barrier") { group in
            for _ in 0..<3 { try group.barrier() }
        },
    ]

    /// `(rank + 1) * [1, 2, ...]` of `shape`.
    static func contribution(of group: ProcessGroup, shape: [Int], dtype: DType) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (1...max(count, 1)).prefix(count).map { Double($0 * (group.rank + 1)) },
                      dtype: dtype)
    }
}
