/// A map from objects, by identity, to small integers: the slots a backward pass
/// gives the leaves it reaches, and the nodes it does not mark (see `NodeSlots`).
///
/// Open addressing on the object's address: a lookup is a multiply and a probe or
/// two, where `Dictionary<ObjectIdentifier, Int>` runs a seeded SipHash per access,
/// and the engine looks up every edge of the graph.
/// The table does not retain its keys; its owner keeps them alive.
struct IdentityTable {
    private var keys: [UInt]
    /// 32-bit: slots are counts of nodes, and a large graph's table is large.
    private var values: [Int32]
    private(set) var count = 0

    init() {
        keys = Array(filling: 0, count: 16)
        values = Array(filling: 0, count: 16)
    }

    /// Where the probe for `key` starts. Objects allocated one after another (the
    /// nodes of a graph) keep their order in the table, so that a pass over a large
    /// graph walks the table as it walks memory rather than missing the cache on
    /// every lookup; each 64 KiB block of addresses is scattered across the table
    /// (Fibonacci hashing of the block's number), so patterns in the high bits do not pile up.
    @inline(__always)
    private func start(_ key: UInt) -> Int {
        let block = (UInt64(key) >> 16) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: UInt64(key >> 4) ^ (block >> 32)) & (keys.count - 1)
    }

    /// The value stored for `object`, if any.
    @inline(__always)
    func value(for object: AnyObject) -> Int? {
        let key = UInt(bitPattern: ObjectIdentifier(object))
        let mask = keys.count - 1
        var i = start(key)
        while true {
            let k = keys[i]
            if k == key { return Int(values[i]) }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` for `object`, replacing any value it had.
    mutating func set(_ value: Int, for object: AnyObject) {
        if (count + 1) * 4 > keys.count * 3 { grow() }
        insert(UInt(bitPattern: ObjectIdentifier(object)), value)
    }

    private mutating func insert(_ key: UInt, _ value: Int) {
        let mask = keys.count - 1
        var i = start(key)
        while keys[i] != 0 && keys[i] != key { i = (i + 1) & mask }
        if keys[i] == 0 { count += 1 }
        keys[i] = key
        values[i] = Int32(value)
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        count = 0
        for i in oldKeys.indices where oldKeys[i] != 0 { insert(oldKeys[i], Int(oldValues[i])) }
    }
}
