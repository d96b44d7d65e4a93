/// A loop over tensor buffers written once, generic over the element type, and run
/// for a tensor's dtype: optimizers' update loops and `clipGradNorm`'s reductions.
///
/// `run(for:)` is the one place in the optimizers that maps a `DType` to a Swift
/// type, so a new floating-point dtype is one line there, and a dtype an
/// optimizer cannot update (an integer tensor) traps with the caller's name.
protocol FloatingPointLoop {
    associatedtype Result = Void
    func run<T: TensorScalar>(as type: T.Type) -> Result
}

extension FloatingPointLoop {
    /// Runs the loop specialised for `dtype`.
    func run(for dtype: DType, in caller: @autoclosure () -> String) -> Result {
        if dtype == .float32 { return run(as: Float.self) }
        if dtype == .float64 { return run(as: Double.self) }
        preconditionFailure("\(caller()) works on float32 and float64 tensors, not \(dtype)")
    }
}

extension Optional where Wrapped == Tensor {
    /// Calls `body` with the tensor's writable elements, or with nil when there is no
    /// tensor, so one loop serves the variants of an update with and without a buffer.
    func withUnsafeMutableBufferPointer<T: TensorScalar, R>(
        as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>?) -> R
    ) -> R {
        guard let tensor = self else { return body(nil) }
        return tensor.withUnsafeMutableBufferPointer(as: T.self) { body($0) }
    }
}

/// PyTorch's `lerp(start, end, weight)`, with its two forms that keep the result
/// exact at both ends: `start + w·(end - start)` for |w| < 0.5, else
/// `end - (end - start)·(1 - w)`.
@inline(__always)
func lerpLikePyTorch<T: TensorScalar>(_ start: T, _ end: T, _ weight: T) -> T {
    Swift.abs(weight) < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
}
