@_spi(Conformance) import Autograd

/// Leaf tensors with the same logical values as contiguous ones but another
/// memory layout: what kernels that assume contiguity get wrong.
enum StridedViews {
    /// A view with dims 0 and -1 of a transposed copy swapped back: same values,
    /// column-major in those dims. Nil below rank 2.
    static func transposed(_ values: TensorValues, _ dtype: DType) -> Tensor? {
        guard values.shape.count >= 2 else { return nil }
        return withNoGrad {
            let base = values.tensor(dtype).transposed(0, -1).contiguous()
            return base.transposed(0, -1)
        }
    }

    /// A view into a buffer one element wider on each side of the last dim, the
    /// margins NaN (for indices, one far out of range): an offset, strided view
    /// whose neighbours poison any read past it. Nil for a 0-d or empty tensor.
    static func sliced(_ values: TensorValues, _ dtype: DType) -> Tensor? {
        guard let n = values.shape.last, n > 0 else { return nil }
        let poison: Double = switch values.dtype {
        case .int64?: Double(1 << 40)
        case .bool?: 1
        default: .nan
        }
        var padded: [Double] = []
        padded.reserveCapacity(values.count / n * (n + 2))
        for row in stride(from: 0, to: values.count, by: n) {
            padded.append(poison)
            padded += values.scalars[row..<(row + n)]
            padded.append(poison)
        }
        let base = Tensor(shape: values.shape.dropLast() + [n + 2], scalars: padded, dtype: values.dtype ?? dtype)
        return base.narrowed(-1, start: 1, length: n)
    }

    /// A stride-0 view repeating the first row along dim 0, with the values it holds.
    /// Nil when dim 0 has fewer than two rows.
    static func expanded(_ values: TensorValues, _ dtype: DType) -> (view: Tensor, values: TensorValues)? {
        guard let rows = values.shape.first, rows > 1 else { return nil }
        let first = values.sliced(dim: 0, 0..<1)
        let view = withNoGrad { first.tensor(dtype).expanded(to: values.shape) }
        return (view, first.broadcast(to: values.shape))
    }

    /// The first element broadcast to the whole shape: every stride 0.
    static func broadcastScalar(_ values: TensorValues, _ dtype: DType) -> (view: Tensor, values: TensorValues) {
        let one = TensorValues(shape: values.shape.map { _ in 1 }, scalars: [values.scalars[0]])
        let view = withNoGrad { one.tensor(dtype).expanded(to: values.shape) }
        return (view, one.broadcast(to: values.shape))
    }
}
