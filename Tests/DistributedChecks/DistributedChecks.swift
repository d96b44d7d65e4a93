import Foundation

/// Every check the driver runs, in the order every rank runs them.
enum DistributedChecks {
    static func all(scratch: URL) -> [Check] {
        CollectiveChecks.all + AsyncChecks.all + ErrorChecks.all + RankZeroChecks.all(scratch: scratch)
            + SamplerChecks.all + TrainingChecks.all + DataParallelChecks.all
    }
}
