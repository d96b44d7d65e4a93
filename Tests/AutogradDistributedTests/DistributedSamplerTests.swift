@testable import AutogradDistributed
import Testing

/// The sampler for every rank of a world, computed in one process as the ranks would each compute it.
struct DistributedSamplerTests {
    func shares(count: Int, worldSize: Int, epoch: Int = 0, shuffle: Bool = true, seed: UInt64 = 0,
                dropLast: Bool = false) -> [[Int]] {
        (0..<worldSize).map {
            DistributedSampler(datasetCount: count, rank: $0, worldSize: worldSize, shuffle: shuffle, seed: seed,
                               dropLast: dropLast).indices(epoch: epoch)
        }
    }

    @Test(arguments: [(12, 2), (12, 3), (12, 4), (1000, 8), (5, 5)])
    func whenTheWorldDividesTheDataSetEverySampleGoesToExactlyOneRank(count: Int, worldSize: Int) {
        for dropLast in [false, true] {
            for epoch in 0..<3 {
                let parts = shares(count: count, worldSize: worldSize, epoch: epoch, dropLast: dropLast)
                #expect(parts.allSatisfy { $0.count == count / worldSize })
                #expect(parts.flatMap { $0 }.sorted() == Array(0..<count))
            }
        }
    }

    @Test func paddingRepeatsTheFirstIndicesOfThePermutation() {
        // 10 samples on 4 ranks: 3 each, 12 dealt, the permutation's first 2 dealt twice.
        let sampler = DistributedSampler(datasetCount: 10, rank: 0, worldSize: 4, seed: 3)
        #expect(sampler.samplesPerRank == 3 && sampler.totalSampleCount == 12)
        let parts = shares(count: 10, worldSize: 4, seed: 3)
        let dealt = parts.flatMap { $0 }
        #expect(Set(dealt) == Set(0..<10))
        let order = sampler.permutation(epoch: 0)
        let twice = Set(order.prefix(2))
        #expect(Dictionary(grouping: dealt, by: { $0 }).filter { $0.value.count == 2 }.keys.sorted() == twice.sorted())
        // Rank r gets positions r, r + 4, r + 8 of the padded order.
        let padded = order + order.prefix(2)
        #expect(parts[1] == [padded[1], padded[5], padded[9]])
    }

    @Test func dropLastDropsTheTailAndDealsNoSampleTwice() {
        let sampler = DistributedSampler(datasetCount: 10, rank: 0, worldSize: 4, seed: 3, dropLast: true)
        #expect(sampler.samplesPerRank == 2 && sampler.totalSampleCount == 8)
        let dealt = shares(count: 10, worldSize: 4, seed: 3, dropLast: true).flatMap { $0 }
        #expect(dealt.count == 8 && Set(dealt).count == 8)
        #expect(Set(dealt) == Set(sampler.permutation(epoch: 0).prefix(8)))
    }

    @Test func aDataSetSmallerThanTheWorld() {
        let padded = shares(count: 2, worldSize: 5, seed: 1)
        #expect(padded.allSatisfy { $0.count == 1 })
        #expect(Set(padded.flatMap { $0 }) == [0, 1])
        #expect(shares(count: 2, worldSize: 5, dropLast: true).allSatisfy { $0.isEmpty })
        #expect(shares(count: 0, worldSize: 3).allSatisfy { $0.isEmpty })
    }

    @Test func theSameEpochGivesTheSameSharesAndAnotherEpochOthers() {
        let sampler = DistributedSampler(datasetCount: 100, rank: 1, worldSize: 4, seed: 42)
        #expect(sampler.indices(epoch: 5) == sampler.indices(epoch: 5))
        #expect(sampler.indices(epoch: 5) == DistributedSampler(datasetCount: 100, rank: 1, worldSize: 4, seed: 42)
            .indices(epoch: 5))
        let epochs = (0..<10).map { sampler.indices(epoch: $0) }
        #expect(Set(epochs).count == 10, "every epoch its own order")
        #expect(sampler.indices(epoch: 0) != DistributedSampler(datasetCount: 100, rank: 1, worldSize: 4, seed: 43)
            .indices(epoch: 0))
    }

    @Test func seedAndEpochDoNotTradeOff() {
        // PyTorch seeds with seed + epoch, so (0, 1) and (1, 0) coincide there; here they do not.
        let seedZero = DistributedSampler(datasetCount: 50, rank: 0, worldSize: 1, seed: 0)
        let seedOne = DistributedSampler(datasetCount: 50, rank: 0, worldSize: 1, seed: 1)
        #expect(seedZero.indices(epoch: 1) != seedOne.indices(epoch: 0))
    }

    @Test func everyPermutationIsOne() {
        for count in [1, 2, 3, 17, 256] {
            for epoch in 0..<4 {
                let order = DistributedSampler(datasetCount: count, rank: 0, worldSize: 1, seed: 9).permutation(epoch: epoch)
                #expect(order.sorted() == Array(0..<count))
            }
        }
    }

    /// The order is this package's own algorithm, pinned so it stays the same across releases and platforms.
    /// The values were computed independently by a Python transcription of SplitMix64 and the shuffle.
    @Test func thePermutationIsPinned() {
        let sampler = DistributedSampler(datasetCount: 10, rank: 0, worldSize: 1, seed: 0)
        #expect(sampler.indices(epoch: 0) == Self.pinnedSeed0Epoch0)
        #expect(sampler.indices(epoch: 1) == Self.pinnedSeed0Epoch1)
    }

    static let pinnedSeed0Epoch0 = [1, 4, 5, 0, 7, 6, 9, 8, 2, 3]
    static let pinnedSeed0Epoch1 = [7, 2, 6, 8, 0, 1, 5, 9, 3, 4]

    @Test func withoutShuffleRankRGetsEveryWorldSizethIndexFromR() {
        #expect(shares(count: 7, worldSize: 3, shuffle: false) == [[0, 3, 6], [1, 4, 0], [2, 5, 1]])
        #expect(shares(count: 7, worldSize: 3, shuffle: false, dropLast: true) == [[0, 3], [1, 4], [2, 5]])
        #expect(shares(count: 7, worldSize: 3, epoch: 4, shuffle: false) == shares(count: 7, worldSize: 3, shuffle: false))
    }
}
