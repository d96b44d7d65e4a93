import Autograd
import CMPI

/// One rank's tensor, as the consistency check exchanges it.
struct RankTensor: Equatable {
    var rank: Int
    var shape: [Int]
    var dtype: DType?
    var problem: TensorProblem?

    var summary: String { "rank \(rank): \(describe(shape)) \(dtype.map { "\($0)" } ?? "unknown dtype")" }
}

extension ProcessGroup {
    /// Exchanges every rank's shape, dtype and fitness for `operation`, and throws on every
    /// rank alike when one rank's tensor cannot take part or the ranks disagree.
    ///
    /// A rank that threw alone would leave the others waiting in the collective for
    /// ever; deciding from the same exchanged facts makes all ranks throw together.
    /// Two collectives: the fixed-size facts, then the shapes (`MPI_Allgatherv`, as
    /// ranks may differ in the number of dimensions).
    func agreeOnTensors(_ tensor: Tensor, operation: String) throws {
        let ranks = try exchangeDescriptions(of: tensor, operation: operation)
        let local = ranks[rank]
        if let problem = local.problem {
            throw DistributedError(.invalidTensor, operation: operation, problem.message(for: tensor))
        }
        if let faulty = ranks.first(where: { $0.problem != nil }), let problem = faulty.problem {
            throw DistributedError(.remote, operation: operation, """
                rank \(faulty.rank)'s tensor cannot take part: \
                \(problem.message(shape: faulty.shape, dtype: faulty.dtype))
                """)
        }
        if ranks.contains(where: { $0.shape != local.shape || $0.dtype != local.dtype }) {
            throw DistributedError(.mismatch, operation: operation, """
                every rank must pass the same shape and dtype; got \(ranks.map(\.summary).joined(separator: ", "))
                """)
        }
    }

    private func exchangeDescriptions(of tensor: Tensor, operation: String) throws -> [RankTensor] {
        // dtype codes index DType.allCases, which every rank (one binary) lists alike.
        let dtypeCode = Int64(DType.allCases.firstIndex(of: tensor.dtype) ?? -1)
        var facts: [Int64] = [TensorProblem(tensor)?.rawValue ?? 0, dtypeCode, Int64(tensor.rank)]
        var allFacts = [Int64](repeating: 0, count: facts.count * worldSize)
        try MPIRuntime.check(
            MPI_Allgather(&facts, Int32(facts.count), cmpi_int64(), &allFacts, Int32(facts.count), cmpi_int64(),
                          cmpi_comm_world()),
            operation: operation, call: "MPI_Allgather", context: "exchanging tensor shapes between ranks")

        var dims = tensor.shape.map(Int64.init)
        let counts = (0..<worldSize).map { Int32(allFacts[$0 * 3 + 2]) }
        var offsets = [Int32](repeating: 0, count: worldSize)
        for r in 1..<max(worldSize, 1) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var allDims = [Int64](repeating: 0, count: Int(counts.reduce(0, +)))
        try MPIRuntime.check(
            MPI_Allgatherv(&dims, Int32(dims.count), cmpi_int64(), &allDims, counts, offsets, cmpi_int64(),
                           cmpi_comm_world()),
            operation: operation, call: "MPI_Allgatherv", context: "exchanging tensor shapes between ranks")

        return (0..<worldSize).map { r in
            let start = Int(offsets[r]), code = Int(allFacts[r * 3 + 1])
            return RankTensor(
                rank: r,
                shape: allDims[start..<start + Int(counts[r])].map { Int($0) },
                dtype: DType.allCases.indices.contains(code) ? DType.allCases[code] : nil,
                problem: TensorProblem(rawValue: allFacts[r * 3]))
        }
    }
}
