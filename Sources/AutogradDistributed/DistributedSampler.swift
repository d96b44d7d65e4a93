/// Which samples of a data set each rank trains on in each epoch: PyTorch's `DistributedSampler`.
///
/// Every epoch, the indices `0..<datasetCount` are shuffled with one permutation that
/// every rank computes alike (seeded by `seed` and the epoch, so no communication),
/// then dealt out round-robin: rank `r` gets positions `r, r + worldSize, ...`. Each
/// rank gets `samplesPerRank` indices, the same number everywhere, so every rank runs
/// the same number of steps (a rank with one step more would wait in a collective for ever).
///
/// When `worldSize` does not divide `datasetCount`, PyTorch's two choices:
/// - `dropLast: false` (the default) pads the permutation by repeating its first
///   indices, so every sample is seen and a few are seen twice in that epoch;
/// - `dropLast: true` drops the permutation's tail, so a few samples (different ones
///   each epoch, when shuffling) are not seen in that epoch, and none twice.
/// When it divides, every sample goes to exactly one rank either way.
///
/// ```swift
/// let sampler = DistributedSampler(datasetCount: 1437, group: group, seed: 42)
/// for epoch in 0..<epochs {
///     let mine = sampler.indices(epoch: epoch)   // 719 indices on each of 2 ranks
///     for batch in stride(from: 0, to: mine.count, by: 16) { ... }
/// }
/// ```
///
/// The permutation is this type's own (Fisher–Yates over SplitMix64), not PyTorch's,
/// so it does not reproduce PyTorch's order; it is the same on every platform and
/// Swift version.
public struct DistributedSampler: Sendable, Equatable {
    /// The number of samples in the data set.
    public let datasetCount: Int
    /// The rank whose share `indices(epoch:)` returns.
    public let rank: Int
    /// The number of ranks sharing the data set.
    public let worldSize: Int
    /// Whether each epoch shuffles; if not, rank `r` gets `r, r + worldSize, ...` every epoch.
    public let shuffles: Bool
    /// The base seed, combined with the epoch for each epoch's permutation.
    public let seed: UInt64
    /// Whether to drop the tail that does not divide evenly, rather than pad.
    public let dropsLast: Bool

    /// A sampler for `rank` of `worldSize`.
    ///
    /// - Precondition: `datasetCount >= 0`, `worldSize >= 1`, `0 <= rank < worldSize`.
    public init(datasetCount: Int, rank: Int, worldSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
                dropLast: Bool = false) {
        precondition(datasetCount >= 0, "DistributedSampler: datasetCount must be >= 0; got \(datasetCount)")
        precondition(worldSize >= 1, "DistributedSampler: worldSize must be >= 1; got \(worldSize)")
        precondition((0..<worldSize).contains(rank),
                     "DistributedSampler: rank must be in 0..<\(worldSize) (the world size); got \(rank)")
        self.datasetCount = datasetCount
        self.rank = rank
        self.worldSize = worldSize
        self.shuffles = shuffle
        self.seed = seed
        self.dropsLast = dropLast
    }

    /// A sampler for this process's rank in `group`.
    public init(datasetCount: Int, group: ProcessGroup, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
        self.init(datasetCount: datasetCount, rank: group.rank, worldSize: group.worldSize,
                  shuffle: shuffle, seed: seed, dropLast: dropLast)
    }

    /// The number of indices each rank gets per epoch.
    public var samplesPerRank: Int {
        if dropsLast { return datasetCount / worldSize }
        return (datasetCount + worldSize - 1) / worldSize
    }

    /// The number of indices dealt out per epoch over all ranks: `samplesPerRank * worldSize`.
    public var totalSampleCount: Int { samplesPerRank * worldSize }

    /// This rank's indices into the data set for `epoch`, in the order to visit them.
    ///
    /// A pure function of the sampler and the epoch: every rank, and every rerun, gets
    /// the same answer.
    public func indices(epoch: Int) -> [Int] {
        let order = permutation(epoch: epoch)
        let total = totalSampleCount
        guard total > 0 else { return [] }
        // Padding wraps around the permutation as often as needed (a data set smaller than the world).
        return stride(from: rank, to: total, by: worldSize).map { order[$0 % order.count] }
    }

    /// The order every rank deals from in `epoch`: the identity, or a seeded shuffle.
    func permutation(epoch: Int) -> [Int] {
        var order = Array(0..<datasetCount)
        guard shuffles, order.count > 1 else { return order }
        var generator = SplitMix64(seed: SplitMix64.mix(seed, epoch: epoch))
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, generator.next(below: i + 1))
        }
        return order
    }
}

/// SplitMix64 (Steele, Lea and Flood): a tiny generator whose output is fixed by its
/// seed on every platform, unlike the standard library's shuffling helpers.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.finalize(state)
    }

    /// A value in `0..<bound`, by multiply-high (Lemire): the bias, at most bound / 2⁶⁴, is immaterial here.
    mutating func next(below bound: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// One seed per (base seed, epoch), spread so that nearby pairs give unrelated
    /// permutations: PyTorch's `seed + epoch` makes (seed 0, epoch 1) and (seed 1, epoch 0) equal.
    static func mix(_ seed: UInt64, epoch: Int) -> UInt64 {
        finalize(seed ^ finalize(UInt64(bitPattern: Int64(epoch)) &+ 0x9E37_79B9_7F4A_7C15))
    }

    private static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
