import Autograd
import AutogradDistributed
import DigitsExample

/// `--distributed`: the trainer's model wrapped in `DistributedDataParallel`, each rank
/// training on its `DistributedSampler` share of every global batch.
///
/// Every rank builds the same trainer (same seed: same split, same initial weights,
/// which the wrapper overwrites with rank 0's anyway). A global batch of B images is
/// B / worldSize per rank; the wrapper averages the ranks' gradients, which is the
/// gradient of the mean loss over all B, so each step is the one a single process
/// takes on the whole batch, in a different order of images.
struct DataParallelTraining {
    let trainer: DigitsTrainer
    let group: ProcessGroup
    let replica: DistributedDataParallel<Sequential>
    let sampler: DistributedSampler
    let batchPerRank: Int

    init(trainer: DigitsTrainer, group: ProcessGroup, globalBatch: Int) throws {
        guard globalBatch % group.worldSize == 0 else {
            throw DataParallelError("""
                --batch-size \(globalBatch) is the global batch, split evenly across the \(group.worldSize) ranks; \
                pick a multiple of \(group.worldSize)
                """)
        }
        self.trainer = trainer
        self.group = group
        replica = try DistributedDataParallel(trainer.model, group: group)
        sampler = DistributedSampler(datasetCount: trainer.trainingSet.count, group: group,
                                     seed: trainer.configuration.seed &+ 2)
        batchPerRank = globalBatch / group.worldSize
    }

    /// The steps of one epoch, the same on every rank.
    var stepsPerEpoch: Int { (sampler.samplesPerRank + batchPerRank - 1) / batchPerRank }

    /// What the header line adds.
    var summary: String {
        """
        data-parallel on \(group.worldSize) rank\(group.worldSize == 1 ? "" : "s"): \(batchPerRank) images per rank \
        per step, \(sampler.samplesPerRank) per rank per epoch
        """
    }

    /// One epoch of this rank's share; returns the loss and accuracy over every rank's images.
    func trainEpoch(_ epoch: Int, progress: (_ batch: Int, _ meanLoss: Double) -> Void) throws -> Evaluation {
        let mine = try trainer.train(order: sampler.indices(epoch: epoch), batchSize: batchPerRank, replica: replica,
                                     progress: progress)
        let totals = Tensor([mine.lossSum, Double(mine.correct), Double(mine.seen)], dtype: .float64)
        try group.allReduce(totals)
        var all = TrainingTotals()
        (all.lossSum, all.correct, all.seen) = (totals.scalars[0], Int(totals.scalars[1]), Int(totals.scalars[2]))
        return all.evaluation
    }
}

/// A data-parallel run that cannot start, with why.
struct DataParallelError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
