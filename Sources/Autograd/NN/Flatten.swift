/// Collapses dims `startDim...endDim` into one, as `torch.nn.Flatten`.
///
/// The defaults keep the batch dim: `[N, 8, 8]` becomes `[N, 64]`.
public final class Flatten: Module, TrainingModeStoring {
    /// The first dim to flatten (negative counts from the end).
    public let startDim: Int
    /// The last dim to flatten (negative counts from the end).
    public let endDim: Int
    public var isTraining = true

    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
    }

    public func forward(_ input: Tensor) -> Tensor {
        let shape = input.shape
        if shape.isEmpty { return input.reshaped([1]) }
        let rank = shape.count
        let start = startDim < 0 ? startDim + rank : startDim
        let end = endDim < 0 ? endDim + rank : endDim
        precondition((0..<rank).contains(start) && (0..<rank).contains(end) && start <= end, """
            Flatten(startDim: \(startDim), endDim: \(endDim)): dims out of range or reversed \
            for an input of shape \(Shape.describe(shape))
            """)
        let merged = Shape.count(Array(shape[start...end]))
        return input.reshaped(Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]))
    }
}
