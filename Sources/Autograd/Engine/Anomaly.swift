import CAutogradRuntime

/// Runs `body` with anomaly detection on this thread: every gradient a backward
/// rule returns is checked for NaN and infinity, and the first found throws an
/// error naming the op, where it was called, and the input (PyTorch's
/// `torch.autograd.detect_anomaly`, which warns; here the error stops the pass).
///
/// ```swift
/// try withAnomalyDetection {
///     try loss.backward()
/// }
/// // AutogradError: anomaly: SqrtBackward0 (op sqrt, called at Model.swift:12) returned
/// // nan in the gradient of input 0 (x) at element [3]
/// ```
public func withAnomalyDetection<R>(_ body: () throws -> R) rethrows -> R {
    let previous = autograd_anomaly_detection_set_enabled(true)
    defer { _ = autograd_anomaly_detection_set_enabled(previous) }
    return try body()
}

/// Whether anomaly detection is on for this thread.
public var isAnomalyDetectionEnabled: Bool { autograd_anomaly_detection_is_enabled() }

enum Anomaly {
    /// Throws for the first NaN or infinite element among `grads`.
    static func check(_ grads: [Tensor?], of node: Node) throws {
        for (i, g) in grads.enumerated() {
            guard let g, g.dtype.isFloatingPoint else { continue }
            let values = g.scalars
            guard let bad = values.firstIndex(where: { !$0.isFinite }) else { continue }
            let index = TensorIndexDescription.describe(bad, shape: g.shape)
            throw AutogradError(.backward, """
                anomaly: \(node.label) returned \(values[bad]) in the gradient of input \(i) \
                (\(node.op.slotNames(count: node.inputs.count)[i])) at element \(index)
                """)
        }
    }
}

/// `[1, 2]` for flat index 5 of shape `[2, 3]`.
enum TensorIndexDescription {
    static func describe(_ index: Int, shape: [Int]) -> String {
        var rest = index
        var coordinates = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            coordinates[d] = rest % shape[d]
            rest /= shape[d]
        }
        return Shape.describe(coordinates)
    }
}
