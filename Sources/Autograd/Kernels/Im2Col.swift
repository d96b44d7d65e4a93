/// The lowering that turns a convolution into a matrix product, and its adjoint.
///
/// For one image and a run of its channels, the im2col matrix has a row per
/// (channel, kernel row, kernel column), in the order of a weight row, and a column per
/// output position: entry ((c, i, j), (oh, ow)) is the input at
/// (c, oh·stride_h − pad_h + i·dil_h, ow·stride_w − pad_w + j·dil_w), zero outside the
/// input. A convolution is then `weight [C_out, patch] · im2col [patch, H_out·W_out]`.
///
/// Both functions cover output rows [oh0, oh1) only, so callers can work in blocks
/// that stay in cache: the matrix they read or write has `(oh1 − oh0) · W_out` columns.
enum Im2Col {
    /// Writes the im2col rows of `channels` channels starting at `image` (each an H × W
    /// plane) for output rows [oh0, oh1) into `columns`, row-major with
    /// `(oh1 − oh0) · W_out` columns.
    static func lower<T: TensorScalar>(
        _ g: ConvolutionGeometry, image: UnsafePointer<T>, channels: Int, outputRows oh0: Int, _ oh1: Int,
        into columns: UnsafeMutablePointer<T>
    ) {
        let (h, w) = (g.input.height, g.input.width)
        let wo = g.output.width, width = (oh1 &- oh0) &* wo
        var row = columns
        for c in 0..<channels {
            let plane = image + c &* h &* w
            for ki in 0..<g.kernel.height {
                for kj in 0..<g.kernel.width {
                    let shift = kj &* g.dilation.width &- g.padding.width
                    let (lo, hi) = validColumns(g, shift: shift)
                    var out = row
                    for oh in oh0..<oh1 {
                        let ih = oh &* g.stride.height &- g.padding.height &+ ki &* g.dilation.height
                        if ih < 0 || ih >= h {
                            out.update(repeating: 0, count: wo)
                        } else {
                            let source = plane + ih &* w
                            for ow in 0..<lo { out[ow] = 0 }
                            if g.stride.width == 1 {
                                for ow in lo..<hi { out[ow] = source[ow &+ shift] }
                            } else {
                                let sw = g.stride.width
                                for ow in lo..<hi { out[ow] = source[ow &* sw &+ shift] }
                            }
                            for ow in hi..<wo { out[ow] = 0 }
                        }
                        out += wo
                    }
                    row += width
                }
            }
        }
    }

    /// The adjoint of `lower`: adds each entry of `columns` (laid out as `lower` writes
    /// them) to the input position it was read from, for `channels` planes at `image`.
    /// Entries that `lower` would set to zero (padding) are dropped.
    static func accumulate<T: TensorScalar>(
        _ g: ConvolutionGeometry, columns: UnsafePointer<T>, channels: Int, outputRows oh0: Int, _ oh1: Int,
        into image: UnsafeMutablePointer<T>
    ) {
        let (h, w) = (g.input.height, g.input.width)
        let wo = g.output.width, width = (oh1 &- oh0) &* wo
        var row = columns
        for c in 0..<channels {
            let plane = image + c &* h &* w
            for ki in 0..<g.kernel.height {
                for kj in 0..<g.kernel.width {
                    let shift = kj &* g.dilation.width &- g.padding.width
                    let (lo, hi) = validColumns(g, shift: shift)
                    var column = row
                    for oh in oh0..<oh1 {
                        let ih = oh &* g.stride.height &- g.padding.height &+ ki &* g.dilation.height
                        if ih >= 0 && ih < h {
                            let target = plane + ih &* w
                            if g.stride.width == 1 {
                                for ow in lo..<hi { target[ow &+ shift] += column[ow] }
                            } else {
                                let sw = g.stride.width
                                for ow in lo..<hi { target[ow &* sw &+ shift] += column[ow] }
                            }
                        }
                        column += wo
                    }
                    row += width
                }
            }
        }
    }

    /// The output columns [lo, hi) whose input column `ow·stride + shift` lies inside the input.
    @inline(__always)
    private static func validColumns(_ g: ConvolutionGeometry, shift: Int) -> (Int, Int) {
        let sw = g.stride.width, wo = g.output.width
        let lo = Swift.min(wo, Swift.max(0, Spatial2D.ceilDivide(0 &- shift, sw)))
        let hi = Swift.max(lo, Swift.min(wo, Spatial2D.floorDivide(g.input.width &- 1 &- shift, sw) &+ 1))
        return (lo, hi)
    }
}
