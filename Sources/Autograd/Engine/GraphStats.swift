import Synchronization

/// What a graph holds: its nodes, and the tensors they saved for backward.
///
/// `GraphStats.reachable(from:)` counts the graph behind some tensors (a loss,
/// a model's outputs); `GraphStats.live` counts every node alive in the process.
/// A count that grows from one training step to the next is a retained graph:
/// typically a gradient kept with its history (`losses.append(loss)` instead of
/// `losses.append(loss.item())`), or a tensor computed from parameters stored
/// across steps; the README's debugging chapter walks through finding one.
///
/// ```swift
/// print(GraphStats.reachable(from: [loss]))   // 14 nodes, 9 saved tensors, 1204224 bytes saved
/// ```
public struct GraphStats: Sendable, Equatable, CustomStringConvertible {
    /// Nodes: recorded op calls whose backward has not been freed.
    public var nodes: Int
    /// Tensors those nodes keep for backward (each storage counted once).
    public var savedTensors: Int
    /// The bytes of those tensors' storage.
    public var savedBytes: Int

    /// Counts given directly, to compare with a measured `GraphStats` (it is `Equatable`).
    public init(nodes: Int, savedTensors: Int, savedBytes: Int) {
        self.nodes = nodes
        self.savedTensors = savedTensors
        self.savedBytes = savedBytes
    }

    /// The three counts in words: `14 nodes, 9 saved tensors, 1204224 bytes saved`.
    public var description: String {
        "\(nodes) nodes, \(savedTensors) saved tensors, \(savedBytes) bytes saved"
    }

    /// The graph behind `tensors`: every node reachable from their `gradFn`.
    public static func reachable(from tensors: [Tensor]) -> GraphStats {
        var storages = Set<ObjectIdentifier>()
        var stats = GraphStats(nodes: 0, savedTensors: 0, savedBytes: 0)
        func count(_ tensor: Tensor?) {
            guard let tensor, storages.insert(ObjectIdentifier(tensor.storage)).inserted else { return }
            stats.savedTensors += 1
            stats.savedBytes += tensor.storage.byteCount
        }
        for node in Node.reachable(from: tensors.compactMap(\.history)) {
            stats.nodes += 1
            for input in node.inputs { count(input.saved) }
            for saved in node.savedOutputs { count(saved.tensor) }
        }
        return stats
    }

    /// Every node alive in the process, and what they saved (storages shared by
    /// several nodes counted once per node).
    public static var live: GraphStats {
        GraphStats(nodes: LiveNodes.count.load(ordering: .relaxed), savedTensors: LiveNodes.savedTensors.load(ordering: .relaxed),
                   savedBytes: LiveNodes.savedBytes.load(ordering: .relaxed))
    }
}

/// Process-wide counts behind `GraphStats.live`, kept by nodes as they are made,
/// release their saved tensors, and go.
enum LiveNodes {
    static let count = Atomic<Int>(0)
    static let savedTensors = Atomic<Int>(0)
    static let savedBytes = Atomic<Int>(0)

    /// Counts what `node` saves now; a node is counted at most once at a time.
    static func account(_ node: Node) {
        guard !node.isAccounted else { return }
        node.isAccounted = true
        add(node, sign: 1)
    }

    /// Stops counting what `node` saves: before it changes or drops its saved tensors.
    static func unaccount(_ node: Node) {
        guard node.isAccounted else { return }
        node.isAccounted = false
        add(node, sign: -1)
    }

    private static func add(_ node: Node, sign: Int) {
        var tensors = 0, bytes = 0
        for input in node.inputs {
            if let t = input.saved {
                tensors += 1
                bytes += t.storage.byteCount
            }
        }
        for case let t? in node.savedOutputs.lazy.map(\.tensor) {
            tensors += 1
            bytes += t.storage.byteCount
        }
        if tensors > 0 {
            savedTensors.add(sign * tensors, ordering: .relaxed)
            savedBytes.add(sign * bytes, ordering: .relaxed)
        }
    }
}
