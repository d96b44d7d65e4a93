import Autograd
import AutogradDistributed

/// The sampler as the ranks really use it: each computes its share, and the shares are gathered.
enum SamplerChecks {
    static let all: [Check] = [
        Check(name: "sampler-shares-cover-the-data-set") { group in
            for datasetCount in [0, 1, 7, 12, 100] {
                for dropLast in [false, true] {
                    let sampler = DistributedSampler(datasetCount: datasetCount, group: group, seed: 7, dropLast: dropLast)
                    for epoch in 0..<2 {
                        let mine = sampler.indices(epoch: epoch)
                        let shares = try group.allGather(Tensor(shape: [mine.count], scalars: mine.map(Double.init),
                                                                dtype: .float64))
                        let all = shares.scalars.map { Int($0) }
                        let what = "N = \(datasetCount), dropLast \(dropLast), epoch \(epoch)"
                        try expect(all.count == sampler.totalSampleCount, "\(what): \(all.count) indices dealt")
                        if dropLast {
                            try expect(Set(all).count == all.count, "\(what): an index went to two ranks: \(all)")
                        } else {
                            try expect(Set(all) == Set(0..<datasetCount), "\(what): not every sample dealt: \(all)")
                        }
                        try expect(all.allSatisfy { (0..<max(datasetCount, 1)).contains($0) }, "\(what): out of range")
                    }
                }
            }
        },
    ]
}
