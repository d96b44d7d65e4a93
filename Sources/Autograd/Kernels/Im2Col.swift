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
        let wo = g.output.width, width = (oh1 &- oh0) &* wo, sw = g.stride.width
        var row = columns
        for c in 0..<channels {
            let plane = image + c &* h &* w
            for ki in 0..<g.kernel.height {
                let (top, rowLo, rowHi) = validRows(g, ki: ki, oh0, oh1)
                for kj in 0..<g.kernel.width {
                    let shift = kj &* g.dilation.width &- g.padding.width
                    let (lo, hi) = validColumns(g, shift: shift)
                    // Output rows whose input row is padding are zero, in one run before and one after.
                    row.update(repeating: 0, count: (rowLo &- oh0) &* wo)
                    var out = row + (rowLo &- oh0) &* wo
                    for oh in rowLo..<rowHi {
                        let source = plane + (oh &* g.stride.height &+ top) &* w
                        if lo > 0 { out.update(repeating: 0, count: lo) }
                        if sw == 1 {
                            // A contiguous run: memmove beats a loop on rows this short.
                            (out + lo).update(from: source + (lo &+ shift), count: hi &- lo)
                        } else {
                            for ow in lo..<hi { out[ow] = source[ow &* sw &+ shift] }
                        }
                        if hi < wo { (out + hi).update(repeating: 0, count: wo &- hi) }
                        out += wo
                    }
                    out.update(repeating: 0, count: (oh1 &- rowHi) &* wo)
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
                let (top, rowLo, rowHi) = validRows(g, ki: ki, oh0, oh1)
                for kj in 0..<g.kernel.width {
                    let shift = kj &* g.dilation.width &- g.padding.width
                    let (lo, hi) = validColumns(g, shift: shift)
                    var column = row + (rowLo &- oh0) &* wo
                    for oh in rowLo..<rowHi {
                        let target = plane + (oh &* g.stride.height &+ top) &* w
                        if g.stride.width == 1 {
                            for ow in lo..<hi { target[ow &+ shift] += column[ow] }
                        } else {
                            let sw = g.stride.width
                            for ow in lo..<hi { target[ow &* sw &+ shift] += column[ow] }
                        }
                        column += wo
                    }
                    row += width
                }
            }
        }
    }

    /// For kernel row `ki`: the offset `top` with input row = `oh · stride + top`, and the
    /// output rows [rowLo, rowHi) within [oh0, oh1) whose input row lies inside the input.
    @inline(__always)
    private static func validRows(_ g: ConvolutionGeometry, ki: Int, _ oh0: Int, _ oh1: Int) -> (Int, Int, Int) {
        let sh = g.stride.height, top = ki &* g.dilation.height &- g.padding.height
        let rowLo = Swift.min(oh1, Swift.max(oh0, Spatial2D.ceilDivide(0 &- top, sh)))
        let rowHi = Swift.max(rowLo, Swift.min(oh1, Spatial2D.floorDivide(g.input.height &- 1 &- top, sh) &+ 1))
        return (top, rowLo, rowHi)
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
