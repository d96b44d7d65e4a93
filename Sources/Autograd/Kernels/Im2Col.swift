/// The lowering that turns a convolution into a matrix product, and its adjoint.
///
/// For one image and a run of its channels, the im2col matrix has a row per
/// (channel, kernel row, kernel column), in the order of a weight row, and a column per
/// output position: entry ((c, i, j), (oh, ow)) is the input at
/// (c, oh·stride_h − pad_h + i·dil_h, ow·stride_w − pad_w + j·dil_w), zero outside the
/// input. A convolution is then `weight [C_out, patch] · im2col [patch, H_out·W_out]`.
///
/// Both functions cover one `OutputBlock` of positions, so callers can work in blocks
/// that stay in cache: the matrix they read or write has `block.positions` columns.
enum Im2Col {
    /// Writes the im2col rows of `channels` channels starting at `image` (each an H × W
    /// plane) for the positions of `block` into `columns`, row-major with
    /// `block.positions` columns.
    static func lower<T: TensorScalar>(
        _ g: ConvolutionGeometry, image: UnsafePointer<T>, channels: Int, block: OutputBlock,
        into columns: UnsafeMutablePointer<T>
    ) {
        let (h, w) = (g.input.height, g.input.width)
        let (oh0, oh1, ow0, ow1) = (block.row0, block.row1, block.column0, block.column1)
        let wo = ow1 &- ow0, width = block.positions, sw = g.stride.width
        var row = columns
        for c in 0..<channels {
            let plane = image + c &* h &* w
            for ki in 0..<g.kernel.height {
                let (top, rowLo, rowHi) = validRows(g, ki: ki, oh0, oh1)
                for kj in 0..<g.kernel.width {
                    let shift = kj &* g.dilation.width &- g.padding.width
                    let (lo, hi) = validColumns(g, shift: shift, ow0, ow1)
                    // Output rows whose input row is padding are zero, in one run before and one after.
                    row.update(repeating: 0, count: (rowLo &- oh0) &* wo)
                    // Output column `ow` of a row is entry `ow − ow0` of the block's row.
                    var out = row + (rowLo &- oh0) &* wo
                    for oh in rowLo..<rowHi {
                        let source = plane + (oh &* g.stride.height &+ top) &* w
                        if lo > ow0 { out.update(repeating: 0, count: lo &- ow0) }
                        if sw == 1 {
                            // A contiguous run: memmove beats a loop on rows this short.
                            (out + (lo &- ow0)).update(from: source + (lo &+ shift), count: hi &- lo)
                        } else {
                            for ow in lo..<hi { out[ow &- ow0] = source[ow &* sw &+ shift] }
                        }
                        if hi < ow1 { (out + (hi &- ow0)).update(repeating: 0, count: ow1 &- hi) }
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
        _ g: ConvolutionGeometry, columns: UnsafePointer<T>, channels: Int, block: OutputBlock,
        into image: UnsafeMutablePointer<T>
    ) {
        let (h, w) = (g.input.height, g.input.width)
        let (oh0, oh1, ow0, ow1) = (block.row0, block.row1, block.column0, block.column1)
        let wo = ow1 &- ow0, width = block.positions
        var row = columns
        for c in 0..<channels {
            let plane = image + c &* h &* w
            for ki in 0..<g.kernel.height {
                let (top, rowLo, rowHi) = validRows(g, ki: ki, oh0, oh1)
                for kj in 0..<g.kernel.width {
                    let shift = kj &* g.dilation.width &- g.padding.width
                    let (lo, hi) = validColumns(g, shift: shift, ow0, ow1)
                    var column = row + (rowLo &- oh0) &* wo
                    for oh in rowLo..<rowHi {
                        let target = plane + (oh &* g.stride.height &+ top) &* w
                        if g.stride.width == 1 {
                            for ow in lo..<hi { target[ow &+ shift] += column[ow &- ow0] }
                        } else {
                            let sw = g.stride.width
                            for ow in lo..<hi { target[ow &* sw &+ shift] += column[ow &- ow0] }
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

    /// The output columns [lo, hi) within [ow0, ow1) whose input column `ow·stride + shift`
    /// lies inside the input.
    @inline(__always)
    private static func validColumns(_ g: ConvolutionGeometry, shift: Int, _ ow0: Int, _ ow1: Int) -> (Int, Int) {
        let sw = g.stride.width
        let lo = Swift.min(ow1, Swift.max(ow0, Spatial2D.ceilDivide(0 &- shift, sw)))
        let hi = Swift.max(lo, Swift.min(ow1, Spatial2D.floorDivide(g.input.width &- 1 &- shift, sw) &+ 1))
        return (lo, hi)
    }
}

/// A block of one image's output positions: whole rows [row0, row1), or columns
/// [column0, column1) of a single row. Either way its positions are one contiguous run
/// of the output plane, starting at `offset`.
struct OutputBlock: Equatable, Sendable {
    var row0: Int, row1: Int, column0: Int, column1: Int
    var outputWidth: Int

    var positions: Int { (row1 &- row0) &* (column1 &- column0) }
    var offset: Int { row0 &* outputWidth &+ column0 }
}

/// How an image's output positions are cut into `OutputBlock`s whose im2col matrix
/// stays under a byte budget: as many whole rows as fit, or, when one row alone does not
/// (a long 1-d signal), pieces of a row. A function of the geometry and the budget only.
struct OutputBlocking: Sendable {
    let output: Spatial2D
    let rowsPerBlock: Int
    let columnsPerBlock: Int

    /// Blocks for matrices of `matrixRows` rows (the patch size) of `elementBytes`-byte
    /// elements; `budget` nil means the whole image in one block.
    init(_ g: ConvolutionGeometry, matrixRows: Int, elementBytes: Int, budget: Int?) {
        output = g.output
        let fit = budget.map { Swift.max(1, $0 / Swift.max(1, matrixRows * elementBytes)) } ?? Int.max
        if fit >= output.width {
            rowsPerBlock = Swift.max(1, Swift.min(output.height, fit / Swift.max(1, output.width)))
            columnsPerBlock = Swift.max(1, output.width)
        } else {
            rowsPerBlock = 1
            columnsPerBlock = fit
        }
    }

    var rowBlocks: Int { (output.height + rowsPerBlock - 1) / rowsPerBlock }
    var columnBlocks: Int { (output.width + columnsPerBlock - 1) / columnsPerBlock }
    var count: Int { rowBlocks &* columnBlocks }
    /// The most positions a block has: the columns of the im2col buffer.
    var maximumPositions: Int { rowsPerBlock &* columnsPerBlock }

    subscript(_ i: Int) -> OutputBlock {
        let columnBlocks = columnBlocks
        let row0 = (i / columnBlocks) &* rowsPerBlock, column0 = (i % columnBlocks) &* columnsPerBlock
        return OutputBlock(row0: row0, row1: Swift.min(row0 &+ rowsPerBlock, output.height), column0: column0,
                           column1: Swift.min(column0 &+ columnsPerBlock, output.width), outputWidth: output.width)
    }
}
