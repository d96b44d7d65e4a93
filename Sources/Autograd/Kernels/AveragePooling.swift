/// `avg_pool2d` and `adaptive_avg_pool2d` forward and backward over contiguous
/// [N·C, H, W] planes. Planes are independent, so large inputs are split across
/// threads by plane with results unchanged.
enum AveragePoolingKernels {
    /// `output[p, oh, ow]` = the mean of plane p over the window of (oh, ow).
    ///
    /// PyTorch's divisor: with `countIncludePad`, the window's size clipped to the padded
    /// input (a ceil-mode window running past the right padding counts only up to it);
    /// without, the number of input elements in the window. A window that covers no
    /// input element gives 0.
    static func forward<T: TensorScalar>(
        _ g: PoolingGeometry, countIncludePad: Bool, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>,
        threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area, w = g.input.width, wo = g.output.width
        Parallel.forEachPlane(g.planes, work: g.planes &* planeOut &* g.kernel.area, threads: threads) { p in
            let x = input + p &* planeIn, y = output + p &* planeOut
            for oh in 0..<g.output.height {
                let rows = window(oh, g.stride.height, g.padding.height, g.kernel.height, g.input.height)
                for ow in 0..<wo {
                    let cols = window(ow, g.stride.width, g.padding.width, g.kernel.width, w)
                    guard rows.start < rows.end && cols.start < cols.end else {
                        y[oh &* wo &+ ow] = 0
                        continue
                    }
                    var sum = T.zero
                    for ih in rows.start..<rows.end {
                        let row = x + ih &* w
                        for iw in cols.start..<cols.end { sum += row[iw] }
                    }
                    y[oh &* wo &+ ow] = sum / T(divisor(rows, cols, countIncludePad: countIncludePad))
                }
            }
        }
    }

    /// The adjoint of `forward`: each `gradOutput` element divided by its window's divisor
    /// and added to every input element of the window. `gradInput` is overwritten.
    static func backward<T: TensorScalar>(
        _ g: PoolingGeometry, countIncludePad: Bool, gradOutput: UnsafePointer<T>, gradInput: UnsafeMutablePointer<T>,
        threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area, w = g.input.width, wo = g.output.width
        Parallel.forEachPlane(g.planes, work: g.planes &* planeOut &* g.kernel.area, threads: threads) { p in
            let gx = gradInput + p &* planeIn, gy = gradOutput + p &* planeOut
            gx.update(repeating: 0, count: planeIn)
            for oh in 0..<g.output.height {
                let rows = window(oh, g.stride.height, g.padding.height, g.kernel.height, g.input.height)
                for ow in 0..<wo {
                    let cols = window(ow, g.stride.width, g.padding.width, g.kernel.width, w)
                    guard rows.start < rows.end && cols.start < cols.end else { continue }
                    let share = gy[oh &* wo &+ ow] / T(divisor(rows, cols, countIncludePad: countIncludePad))
                    for ih in rows.start..<rows.end {
                        let row = gx + ih &* w
                        for iw in cols.start..<cols.end { row[iw] += share }
                    }
                }
            }
        }
    }

    /// `output[p, i, j]` = the mean of plane p over the adaptive window of (i, j).
    static func adaptiveForward<T: TensorScalar>(
        _ g: AdaptivePoolingGeometry, input: UnsafePointer<T>, output: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area, w = g.input.width, wo = g.output.width
        Parallel.forEachPlane(g.planes, work: g.planes &* (planeIn &+ planeOut), threads: threads) { p in
            let x = input + p &* planeIn, y = output + p &* planeOut
            for oh in 0..<g.output.height {
                let rows = AdaptivePoolingGeometry.window(oh, inputLength: g.input.height, outputLength: g.output.height)
                for ow in 0..<wo {
                    let cols = AdaptivePoolingGeometry.window(ow, inputLength: w, outputLength: wo)
                    var sum = T.zero
                    for ih in rows.start..<rows.end {
                        let row = x + ih &* w
                        for iw in cols.start..<cols.end { sum += row[iw] }
                    }
                    y[oh &* wo &+ ow] = sum / T((rows.end &- rows.start) &* (cols.end &- cols.start))
                }
            }
        }
    }

    /// The adjoint of `adaptiveForward`; `gradInput` is overwritten.
    static func adaptiveBackward<T: TensorScalar>(
        _ g: AdaptivePoolingGeometry, gradOutput: UnsafePointer<T>, gradInput: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area, w = g.input.width, wo = g.output.width
        Parallel.forEachPlane(g.planes, work: g.planes &* (planeIn &+ planeOut), threads: threads) { p in
            let gx = gradInput + p &* planeIn, gy = gradOutput + p &* planeOut
            gx.update(repeating: 0, count: planeIn)
            for oh in 0..<g.output.height {
                let rows = AdaptivePoolingGeometry.window(oh, inputLength: g.input.height, outputLength: g.output.height)
                for ow in 0..<wo {
                    let cols = AdaptivePoolingGeometry.window(ow, inputLength: w, outputLength: wo)
                    let share = gy[oh &* wo &+ ow] / T((rows.end &- rows.start) &* (cols.end &- cols.start))
                    for ih in rows.start..<rows.end {
                        let row = gx + ih &* w
                        for iw in cols.start..<cols.end { row[iw] += share }
                    }
                }
            }
        }
    }

    /// A window along one dim: `padded` is [start, end) clipped to the padded input (its
    /// length is the count-include-pad divisor), `start..<end` the in-bounds part.
    private struct Window {
        var start: Int, end: Int, padded: Int
    }

    @inline(__always)
    private static func window(_ o: Int, _ stride: Int, _ padding: Int, _ kernel: Int, _ size: Int) -> Window {
        let start = o &* stride &- padding
        let end = Swift.min(start &+ kernel, size &+ padding)
        return Window(start: Swift.max(start, 0), end: Swift.min(end, size), padded: end &- start)
    }

    @inline(__always)
    private static func divisor(_ rows: Window, _ cols: Window, countIncludePad: Bool) -> Int {
        countIncludePad ? rows.padded &* cols.padded : (rows.end &- rows.start) &* (cols.end &- cols.start)
    }
}
