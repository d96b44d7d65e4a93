/// How `allReduce` combines the ranks' tensors, element by element.
public enum ReduceOperation: Sendable, Equatable {
    /// The sum over ranks (`MPI_SUM`).
    case sum
    /// The sum over ranks divided by the world size: what data-parallel training
    /// does to gradients. Summed by MPI, then divided in place on each rank.
    case average
}
