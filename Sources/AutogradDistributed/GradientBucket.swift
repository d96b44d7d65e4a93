import Autograd
#if canImport(Glibc)
import Glibc
#endif

/// Parameters whose gradients are all-reduced together, through one flat buffer.
///
/// The buffer holds each parameter's gradient in a slot of its own, then one
/// "used" flag per parameter (1 when this rank's backward pass reached the
/// parameter, 0 when not). The flags are summed with the gradients, so after the
/// all-reduce every rank knows whether any rank used a parameter: one that no rank
/// used keeps its `grad` as it was, as in PyTorch. Every rank lays buckets out
/// alike (same parameters, same order), so the buffers line up element by element.
final class GradientBucket {
    /// The parameters, in the order their slots follow in `buffer`.
    let parameters: [Tensor]
    /// Where each parameter's gradient starts in `buffer`, in elements.
    let offsets: [Int]
    /// The number of gradient elements, where the flags start.
    let gradientCount: Int
    let dtype: DType
    /// Gradients, then flags: what the all-reduce sums.
    let buffer: Tensor

    /// Per parameter, whether its slot holds this pass's gradient (or zeros, for one found unused).
    private(set) var isFilled: [Bool]
    private(set) var filledCount = 0
    /// Per parameter, the `grad` tensor copied from, which backward made and owns:
    /// the averaged gradient may be written back into it in place.
    private var copiedFrom: [Tensor?]

    init(parameters: [Tensor]) {
        self.parameters = parameters
        var offsets: [Int] = [], count = 0
        for p in parameters {
            offsets.append(count)
            count += p.scalarCount
        }
        self.offsets = offsets
        gradientCount = count
        dtype = parameters[0].dtype
        buffer = Tensor.zeros([count + parameters.count], dtype: dtype)
        isFilled = Array(repeating: false, count: parameters.count)
        copiedFrom = Array(repeating: nil, count: parameters.count)
    }

    var isFull: Bool { filledCount == parameters.count }

    /// The buffer's size in bytes, gradients and flags.
    var byteCount: Int { buffer.scalarCount * dtype.byteCount }

    private var base: UnsafeMutableRawPointer { buffer.unsafeRawPointer }

    /// Copies parameter `index`'s gradient into its slot and raises its flag.
    func fill(_ index: Int) {
        let p = parameters[index]
        guard let grad = p.grad else { return fillWithZeros(index) }
        // A gradient the engine stored is contiguous in practice; one a hook replaced may not be.
        let source = grad.isContiguous ? grad : withNoGrad { grad.contiguous() }
        let bytes = dtype.byteCount
        if p.scalarCount > 0 {
            (base + offsets[index] * bytes).copyMemory(from: source.unsafeRawPointer, byteCount: p.scalarCount * bytes)
        }
        setFlag(index, 1)
        copiedFrom[index] = grad
        markFilled(index)
    }

    /// Fills parameter `index`'s slot with zeros and lowers its flag: this rank's
    /// backward pass did not reach it.
    func fillWithZeros(_ index: Int) {
        let bytes = dtype.byteCount
        memset(base + offsets[index] * bytes, 0, parameters[index].scalarCount * bytes)
        setFlag(index, 0)
        copiedFrom[index] = nil
        markFilled(index)
    }

    /// Fills every slot not yet filled with zeros.
    func fillRemainingWithZeros() {
        for index in parameters.indices where !isFilled[index] { fillWithZeros(index) }
    }

    private func markFilled(_ index: Int) {
        if !isFilled[index] {
            isFilled[index] = true
            filledCount += 1
        }
    }

    private func setFlag(_ index: Int, _ value: Double) {
        let at = base + (gradientCount + index) * dtype.byteCount
        if dtype == .float32 {
            at.assumingMemoryBound(to: Float.self).pointee = Float(value)
        } else {
            at.assumingMemoryBound(to: Double.self).pointee = value
        }
    }

    /// The summed flag of parameter `index`: how many ranks used it.
    private func flag(_ index: Int) -> Double {
        let at = base + (gradientCount + index) * dtype.byteCount
        return dtype == .float32 ? Double(at.assumingMemoryBound(to: Float.self).pointee)
            : at.assumingMemoryBound(to: Double.self).pointee
    }

    /// Once the buffer holds the sum over ranks: writes each used parameter's
    /// averaged gradient into its `grad`, then forgets this pass.
    ///
    /// The gradient is written in place into the tensor it was copied from when
    /// that is still the parameter's `grad` (no allocation); otherwise (a parameter
    /// this rank did not use, or a `grad` replaced since) into a new tensor.
    func writeBack(worldSize: Int) {
        for (index, p) in parameters.enumerated() where flag(index) > 0 {
            let target: Tensor
            if let grad = p.grad, grad === copiedFrom[index], grad.isContiguous, grad.gradFn == nil {
                target = grad
            } else {
                target = Tensor.zeros(p.shape, dtype: dtype)
                p.grad = target
            }
            if dtype == .float32 {
                Self.average(from: base, at: offsets[index], into: target, count: p.scalarCount, over: worldSize,
                             as: Float.self)
            } else {
                Self.average(from: base, at: offsets[index], into: target, count: p.scalarCount, over: worldSize,
                             as: Double.self)
            }
        }
        reset()
    }

    /// Forgets this pass: every slot empty, no gradient held.
    func reset() {
        for index in parameters.indices {
            isFilled[index] = false
            copiedFrom[index] = nil
        }
        filledCount = 0
    }

    /// `target = sum / worldSize`, element by element, from the slot at `offset`.
    ///
    /// A power-of-two world multiplies by the reciprocal, which is exact there and
    /// much cheaper than dividing; other worlds divide, as `.average` does.
    private static func average<T: TensorScalar>(
        from base: UnsafeMutableRawPointer, at offset: Int, into target: Tensor, count: Int, over worldSize: Int,
        as _: T.Type
    ) {
        let source = base.assumingMemoryBound(to: T.self) + offset
        target.withUnsafeMutableBufferPointer(as: T.self) { out in
            guard let out = out.baseAddress else { return }
            let d = T(worldSize)
            if worldSize.nonzeroBitCount == 1 {
                let r = 1 / d
                for i in 0..<count { out[i] = source[i] * r }
            } else {
                for i in 0..<count { out[i] = source[i] / d }
            }
        }
    }
}
