import Synchronization

/// The slot a backward pass gives each node it reaches.
///
/// Past its first few thousand nodes, a pass marks the nodes it reaches in the node
/// itself (a 32-bit field: the pass's tag and the slot), so a pass over a large graph
/// keeps no table as large as the graph, and finds a node's slot where it already
/// reads the node. A node that another pass has marked (several threads may run
/// backward through one graph) goes in a table of this pass's own instead. A mark is
/// taken by compare-and-swap from zero and cleared when the pass ends, so passes
/// never read each other's.
struct NodeSlots {
    /// Whether the pass marks nodes, and with which tag.
    private enum Marking {
        /// Not yet: the pass has reached fewer than `firstMarked` nodes.
        case notYet
        /// With this tag (1...63).
        case tag(UInt32)
        /// Never: every tag was taken when the pass needed one, so the table holds every node.
        case unavailable
    }

    private var marking = Marking.notYet
    private var others = IdentityTable()
    private static let slotBits: UInt32 = 24
    private static let slotMask: UInt32 = (1 << slotBits) - 1
    /// Smaller graphs keep to the table, which then fits in the cache: a mark costs
    /// atomic instructions, more than a lookup there (W6's graph has a dozen nodes).
    private static let firstMarked = 4096

    @inline(__always)
    func slot(of node: Node) -> Int? {
        if case .tag(let tag) = marking {
            let mark = node.passMark.load(ordering: .relaxed)
            if mark >> Self.slotBits == tag { return Int(mark & Self.slotMask) }
        }
        return others.count == 0 ? nil : others.value(for: node)
    }

    /// Records `slot` for a node the pass reaches for the first time.
    mutating func insert(_ node: Node, slot: Int) {
        if slot >= Self.firstMarked && slot < Int(Self.slotMask) {
            if case .notYet = marking { marking = PassTags.acquire().map(Marking.tag) ?? .unavailable }
            if case .tag(let tag) = marking,
               node.passMark.compareExchange(expected: 0, desired: tag << Self.slotBits | UInt32(slot),
                                             ordering: .relaxed).exchanged {
                return
            }
        }
        others.set(slot, for: node)
    }

    /// Clears this pass's marks from `nodes` (the pass's nodes, by slot) and gives the tag back.
    mutating func end(_ nodes: [Node]) {
        guard case .tag(let tag) = marking else { return }
        // Only this pass writes a mark with its tag, and others only take a mark
        // that is zero: a load and a store clear it.
        for slot in Self.firstMarked..<Swift.min(nodes.count, Int(Self.slotMask)) {
            let mark = tag << Self.slotBits | UInt32(slot)
            if nodes[slot].passMark.load(ordering: .relaxed) == mark { nodes[slot].passMark.store(0, ordering: .relaxed) }
        }
        PassTags.release(tag)
        marking = .notYet
    }
}

/// The tags of the passes running now, one bit each (bit 0 is never a tag).
private enum PassTags {
    private static let inUse = Atomic<UInt64>(1)

    /// A free tag, or nil when all 63 are taken.
    static func acquire() -> UInt32? {
        var used = inUse.load(ordering: .relaxed)
        while used != .max {
            let tag = (~used).trailingZeroBitCount
            let (exchanged, original) = inUse.compareExchange(
                expected: used, desired: used | 1 << UInt64(tag), ordering: .acquiringAndReleasing)
            if exchanged { return UInt32(tag) }
            used = original
        }
        return nil
    }

    static func release(_ tag: UInt32) {
        inUse.bitwiseAnd(~(1 << UInt64(tag)), ordering: .releasing)
    }
}
