/// `max_pool2d` forward (values and argmax indices) and backward over contiguous
/// [N·C, H, W] planes laid out as `PoolingGeometry` describes. Planes are independent,
/// so large inputs are split across threads by plane with results unchanged.
enum MaxPoolingKernels {
    /// `output[p, oh, ow]` = the maximum of plane p over the window of (oh, ow), ignoring
    /// padding (PyTorch pads with −∞), and `indices[p, oh, ow]` its flat position
    /// `ih · W + iw` within the plane, as `return_indices=True` gives.
    ///
    /// As PyTorch's CPU kernel: a NaN wins (the last NaN of the window when there are
    /// several), ties keep the first maximum in row-major order, and a window of only
    /// −∞ reports its first position.
    static func forward<T: TensorScalar>(
        _ g: PoolingGeometry, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        indices: UnsafeMutablePointer<Int64>, threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area
        let (h, w, wo) = (g.input.height, g.input.width, g.output.width)
        Parallel.forEachPlane(g.planes, work: g.planes &* planeOut &* g.kernel.area, threads: threads) { p in
            let x = input + p &* planeIn, y = output + p &* planeOut, index = indices + p &* planeOut
            for oh in 0..<g.output.height {
                let (h0, h1) = window(oh, g.stride.height, g.padding.height, g.kernel.height, g.dilation.height, h)
                for ow in 0..<wo {
                    let (w0, w1) = window(ow, g.stride.width, g.padding.width, g.kernel.width, g.dilation.width, w)
                    var best = -T.infinity, bestIndex = h0 &* w &+ w0
                    var ih = h0
                    while ih < h1 {
                        var iw = w0
                        while iw < w1 {
                            let at = ih &* w &+ iw, value = x[at]
                            if value > best || value.isNaN {
                                best = value
                                bestIndex = at
                            }
                            iw &+= g.dilation.width
                        }
                        ih &+= g.dilation.height
                    }
                    y[oh &* wo &+ ow] = best
                    index[oh &* wo &+ ow] = Int64(bestIndex)
                }
            }
        }
    }

    /// `gradInput[p, i] = Σ gradOutput[p, o]` over the outputs o whose index is i; the
    /// rest zero. `indices` are those `forward` wrote; any outside the plane are skipped.
    static func backward<T: TensorScalar>(
        _ g: PoolingGeometry, gradOutput: UnsafePointer<T>, indices: UnsafePointer<Int64>,
        gradInput: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area
        Parallel.forEachPlane(g.planes, work: g.planes &* (planeIn &+ planeOut), threads: threads) { p in
            let gx = gradInput + p &* planeIn, gy = gradOutput + p &* planeOut, index = indices + p &* planeOut
            gx.update(repeating: 0, count: planeIn)
            for o in 0..<planeOut {
                let at = Int(truncatingIfNeeded: index[o])
                if at >= 0 && at < planeIn { gx[at] += gy[o] }
            }
        }
    }

    /// The in-bounds positions [start, end) of output index `o`'s window along one dim,
    /// `start` moved past the padding onto the dilation grid, as PyTorch's kernel does.
    @inline(__always)
    private static func window(_ o: Int, _ stride: Int, _ padding: Int, _ kernel: Int, _ dilation: Int, _ size: Int) -> (Int, Int) {
        var start = o &* stride &- padding
        let end = Swift.min(start &+ (kernel &- 1) &* dilation &+ 1, size)
        while start < 0 { start &+= dilation }
        return (start, end)
    }
}
