/// Collapses dims `startDim...endDim` into one, as `torch.nn.Flatten`.
///
/// The defaults keep the batch dim: `[N, 8, 8]` becomes `[N, 64]`.
public final class Flatten: Module, TrainingModeStoring {
    /// The first dim to flatten (negative counts from the end).
    public let startDim: Int
    /// The last dim to flatten (negative counts from the end).
    public let endDim: Int
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// A flatten layer.
    ///
    /// - Parameters:
    ///   - startDim: the first dim to flatten (default 1, keeping the batch dim).
    ///   - endDim: the last dim to flatten (default -1, the last).
    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
    }

    /// Reshapes `input` with dims `startDim...endDim` merged; a 0-d input becomes `[1]`.
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
