import Autograd

/// What one rank's replica holds, summed up so ranks can compare it: the check
/// `DistributedDataParallel` runs before its first broadcast.
///
/// Ranks whose models differ would pair up the wrong tensors in every collective
/// (or wait for ever); comparing first lets every rank throw the same error. The
/// summary is fixed-size, so one all-gather carries it whatever the models hold:
/// the counts, the first problem found, and a fingerprint of every shape and dtype.
struct ReplicaLayout {
    let parameters: [(name: String, tensor: Tensor)]
    let buffers: [Tensor]

    /// The first tensor that cannot be synchronized: its index (parameters first, then buffers) and problem.
    var firstProblem: (index: Int, problem: TensorProblem)? {
        for (index, tensor) in (parameters.map(\.tensor) + buffers).enumerated() {
            if let problem = TensorProblem(tensor) { return (index, problem) }
            // Each bucket carries a flag per parameter besides its elements.
            if tensor.scalarCount >= Int(Int32.max) { return (index, .tooLarge) }
        }
        return nil
    }

    var elementCount: Int { parameters.reduce(0) { $0 + $1.tensor.scalarCount } + buffers.reduce(0) { $0 + $1.scalarCount } }

    /// FNV-1a over every tensor's dtype and shape, cut to 52 bits so a `Double` holds it exactly.
    var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: Int) {
            hash ^= UInt64(bitPattern: Int64(value))
            hash = hash &* 0x100_0000_01b3
        }
        for tensor in parameters.map(\.tensor) + buffers {
            mix(DType.allCases.firstIndex(of: tensor.dtype) ?? -1)
            mix(tensor.rank)
            tensor.shape.forEach(mix)
        }
        return hash & ((1 << 52) - 1)
    }

    /// The summary this rank sends: problem code, problem index, parameter count, buffer count, elements, fingerprint.
    var summary: [Double] {
        let problem = firstProblem
        return [Double(problem?.problem.rawValue ?? 0), Double(problem?.index ?? -1), Double(parameters.count),
                Double(buffers.count), Double(elementCount), Double(fingerprint)]
    }

    /// Exchanges summaries and throws, on every rank alike, unless all ranks hold the same layout of usable tensors.
    func agree(in group: ProcessGroup) throws {
        let operation = "DistributedDataParallel"
        let mine = summary
        let width = mine.count
        let all = try group.allGather(Tensor(shape: [width], scalars: mine, dtype: .float64)).scalars
        let ranks = (0..<group.worldSize).map { Array(all[$0 * width..<($0 + 1) * width]) }

        if let (index, problem) = firstProblem {
            throw DistributedError(.invalidTensor, operation: operation, "\(describeTensor(index)): \(problem.message(for: tensor(index)))")
        }
        if let faulty = ranks.firstIndex(where: { $0[0] != 0 }) {
            let code = TensorProblem(rawValue: Int64(ranks[faulty][0]))
            throw DistributedError(.remote, operation: operation, """
                rank \(faulty)'s \(describeTensor(Int(ranks[faulty][1]))) cannot be synchronized: \
                \(code.map(Self.summary(of:)) ?? "unknown problem")
                """)
        }
        if ranks.contains(where: { $0 != mine }) {
            let listing = ranks.enumerated().map { rank, s in
                "rank \(rank): \(Int(s[2])) parameters and \(Int(s[3])) buffers, \(Int(s[4])) elements"
            }.joined(separator: "; ")
            let sameCounts = ranks.allSatisfy { Array($0[2...4]) == Array(mine[2...4]) }
            throw DistributedError(.mismatch, operation: operation, """
                every rank must wrap a model with the same parameters and buffers (count, shapes and dtypes, \
                in the same order); got \(listing)\(sameCounts ? " (the same counts, but different shapes or dtypes)" : "")
                """)
        }
    }

    private func tensor(_ index: Int) -> Tensor {
        index < parameters.count ? parameters[index].tensor : buffers[index - parameters.count]
    }

    /// `parameter 1 (0.weight)` or `buffer 0`.
    private func describeTensor(_ index: Int) -> String {
        if index < parameters.count { return "parameter \(index) (\(parameters[index].name))" }
        // Another rank's index may lie past this rank's tensors when the layouts differ too.
        return index < parameters.count + buffers.count ? "buffer \(index - parameters.count)" : "tensor \(index)"
    }

    private static func summary(of problem: TensorProblem) -> String {
        switch problem {
        case .unsupportedDType: "it is not a float32 or float64 tensor"
        case .notContiguous: "it is not contiguous"
        case .tooLarge: "it has \(Int32.max - 1) elements or more (MPI counts are 32-bit)"
        }
    }
}
