import Synchronization

/// Convolution (`conv1d`, `conv2d`) forward and gradients over contiguous buffers laid
/// out as `ConvolutionGeometry` describes, lowered to the packed GEMM: per image and
/// group, `output = weight · im2col(input)`, `im2col(gradInput) = weightᵀ · gradOutput`
/// (then col2im), `gradWeight = Σ gradOutput · im2col(input)ᵀ`.
///
/// The im2col matrix is built a block of output positions at a time (`blocking`), small
/// enough to stay in L2 beside the GEMM's packed copy of it; a 1×1 kernel with stride 1
/// and no padding reads the input as the matrix itself. Work is split across threads by
/// image and block, or by input channel when the batch is too small to occupy every
/// core. Every output element is summed in an order fixed by the geometry alone, so
/// results are bit-identical whatever the thread count.
enum ConvolutionKernels {
    /// The size of an im2col block: with the GEMM's packed copy of it, it fits a 512 KB L2.
    static let columnBlockBytes = 128 * 1024

    /// The weight gradient cuts the batch into at most this many slices, sums each slice
    /// on one thread into its own partial gradient, and adds the partials in order. The
    /// cut depends on the geometry only, so the sum does not depend on the thread count;
    /// many slices let threads balance when the cores are shared.
    static let maximumWeightSlices = 64

    /// Elements of partial weight gradients a call may hold: big weights get fewer slices
    /// (down to one, when threads split the input channels instead).
    static let weightSliceBudget = 1 << 20

    /// The im2col blocks of an image: a function of the geometry and the scalar type only,
    /// so that sums over blocks do not depend on the thread count. A pointwise convolution
    /// reads the input in place, in one block.
    static func blocking<T: TensorScalar>(_ g: ConvolutionGeometry, _: T.Type) -> OutputBlocking {
        OutputBlocking(g, matrixRows: g.patchSize, elementBytes: MemoryLayout<T>.stride,
                       budget: g.isPointwise ? nil : columnBlockBytes)
    }

    /// `output = conv(input, weight) + bias`.
    ///
    /// - Parameters:
    ///   - input: [N, C_in, H, W]; weight: [C_out, C_in / groups, kH, kW]; bias: [C_out] or nil.
    ///   - output: [N, C_out, H_out, W_out], overwritten.
    ///   - threads: split into this many parts whatever the size (tests); nil chooses.
    static func forward<T: TensorScalar>(
        _ g: ConvolutionGeometry, input: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
        output: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area
        guard g.batch > 0, g.outChannels > 0, planeOut > 0 else { return }
        let patch = g.patchSize, cinG = g.inChannelsPerGroup, coutG = g.outChannelsPerGroup
        let blocking = blocking(g, T.self), blocks = blocking.count
        let items = g.batch * blocks
        let scratch = g.isPointwise ? 1 : Swift.max(1, patch * blocking.maximumPositions)
        schedule(items, parts: parts(g, items: items, threads: threads)) { next in
            let columns = UnsafeMutablePointer<T>.allocate(capacity: scratch)
            defer { columns.deallocate() }
            while let item = next() {
                let n = item / blocks, block = blocking[item % blocks], width = block.positions
                for group in 0..<g.groups {
                    let image = input + (n &* g.inChannels &+ group &* cinG) &* planeIn
                    var b = UnsafePointer(columns), ldb = width
                    if g.isPointwise {
                        (b, ldb) = (image + block.offset, planeIn)
                    } else {
                        Im2Col.lower(g, image: image, channels: cinG, block: block, into: columns)
                    }
                    let c = output + ((n &* g.outChannels &+ group &* coutG) &* planeOut &+ block.offset)
                    MatmulKernel.gemm(transA: false, transB: false, m: coutG, n: width, k: patch,
                                      a: weight + group &* coutG &* patch, lda: patch, b: b, ldb: ldb, c: c, ldc: planeOut)
                    if let bias {
                        for co in 0..<coutG {
                            let value = bias[group &* coutG &+ co], row = c + co &* planeOut
                            for j in 0..<width { row[j] += value }
                        }
                    }
                }
            }
        }
    }

    /// `gradInput`, the gradient of `⟨conv(input, weight), gradOutput⟩` with respect to the input.
    ///
    /// - Parameters:
    ///   - gradOutput: [N, C_out, H_out, W_out]; weight: [C_out, C_in / groups, kH, kW].
    ///   - gradInput: [N, C_in, H, W], overwritten.
    static func backwardInput<T: TensorScalar>(
        _ g: ConvolutionGeometry, gradOutput: UnsafePointer<T>, weight: UnsafePointer<T>,
        gradInput: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let planeIn = g.input.area, planeOut = g.output.area
        guard g.batch > 0, g.inChannels > 0, planeIn > 0 else { return }
        let patch = g.patchSize, area = g.kernel.area, cinG = g.inChannelsPerGroup, coutG = g.outChannelsPerGroup
        let blocking = blocking(g, T.self)
        let units = g.batch * g.groups
        let channelBlocks = channelSplit(g, units: units, threads: threads)
        let items = units * channelBlocks
        let scratch = g.isPointwise ? 1 : Swift.max(1, (cinG + channelBlocks - 1) / channelBlocks * area * blocking.maximumPositions)
        schedule(items, parts: parts(g, items: items, threads: threads)) { next in
            let columns = UnsafeMutablePointer<T>.allocate(capacity: scratch)
            defer { columns.deallocate() }
            while let item = next() {
                let unit = item / channelBlocks, channelBlock = item % channelBlocks
                let n = unit / g.groups, group = unit % g.groups
                let c0 = channelBlock * cinG / channelBlocks, c1 = (channelBlock + 1) * cinG / channelBlocks
                let image = gradInput + (n &* g.inChannels &+ group &* cinG &+ c0) &* planeIn
                // The columns of this group's weight rows that multiply channels [c0, c1), read transposed.
                let a = weight + (group &* coutG &* patch &+ c0 &* area)
                let upstream = gradOutput + (n &* g.outChannels &+ group &* coutG) &* planeOut
                if g.isPointwise {
                    MatmulKernel.gemm(transA: true, transB: false, m: c1 &- c0, n: planeOut, k: coutG,
                                      a: a, lda: patch, b: upstream, ldb: planeOut, c: image, ldc: planeIn)
                    continue
                }
                image.update(repeating: 0, count: (c1 &- c0) &* planeIn)
                for index in 0..<blocking.count {
                    let block = blocking[index], width = block.positions
                    MatmulKernel.gemm(transA: true, transB: false, m: (c1 &- c0) &* area, n: width, k: coutG,
                                      a: a, lda: patch, b: upstream + block.offset, ldb: planeOut, c: columns, ldc: width)
                    Im2Col.accumulate(g, columns: columns, channels: c1 &- c0, block: block, into: image)
                }
            }
        }
    }

    /// `gradWeight`, the gradient of `⟨conv(input, weight), gradOutput⟩` with respect to the weight.
    ///
    /// - Parameters:
    ///   - input: [N, C_in, H, W]; gradOutput: [N, C_out, H_out, W_out].
    ///   - gradWeight: [C_out, C_in / groups, kH, kW], overwritten.
    static func backwardWeight<T: TensorScalar>(
        _ g: ConvolutionGeometry, input: UnsafePointer<T>, gradOutput: UnsafePointer<T>,
        gradWeight: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let count = g.outChannels * g.patchSize
        guard count > 0 else { return }
        let planeIn = g.input.area, planeOut = g.output.area
        guard g.batch > 0, planeOut > 0 else {
            gradWeight.update(repeating: 0, count: count)
            return
        }
        let patch = g.patchSize, area = g.kernel.area, cinG = g.inChannelsPerGroup, coutG = g.outChannelsPerGroup
        let blocking = blocking(g, T.self)
        let slices = Swift.max(1, Swift.min(g.batch, maximumWeightSlices, weightSliceBudget / count))
        let units = slices * g.groups
        let channelBlocks = channelSplit(g, units: units, threads: threads)
        let items = units * channelBlocks
        let blockChannels = (cinG + channelBlocks - 1) / channelBlocks
        let partials = slices > 1 ? UnsafeMutablePointer<T>.allocate(capacity: slices * count) : gradWeight
        defer { if slices > 1 { partials.deallocate() } }
        schedule(items, parts: parts(g, items: items, threads: threads)) { next in
            let columns = UnsafeMutablePointer<T>.allocate(
                capacity: g.isPointwise ? 1 : Swift.max(1, blockChannels * area * blocking.maximumPositions))
            let product = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(1, coutG * blockChannels * area))
            defer {
                columns.deallocate()
                product.deallocate()
            }
            while let item = next() {
                let unit = item / channelBlocks, channelBlock = item % channelBlocks
                let slice = unit / g.groups, group = unit % g.groups
                let c0 = channelBlock * cinG / channelBlocks, c1 = (channelBlock + 1) * cinG / channelBlocks
                let width = (c1 &- c0) &* area
                // Rows of this group's weight gradient, the columns of channels [c0, c1).
                let target = partials + (slice &* count &+ group &* coutG &* patch &+ c0 &* area)
                var first = true
                for n in (slice * g.batch / slices)..<((slice + 1) * g.batch / slices) {
                    let image = input + (n &* g.inChannels &+ group &* cinG &+ c0) &* planeIn
                    let upstream = gradOutput + (n &* g.outChannels &+ group &* coutG) &* planeOut
                    for index in 0..<blocking.count {
                        let block = blocking[index], positions = block.positions
                        var b = UnsafePointer(columns), ldb = positions
                        if g.isPointwise {
                            (b, ldb) = (image + block.offset, planeIn)
                        } else {
                            Im2Col.lower(g, image: image, channels: c1 &- c0, block: block, into: columns)
                        }
                        // The GEMM overwrites: the first block lands in place, later ones are added.
                        let (c, ldc) = first ? (target, patch) : (product, width)
                        MatmulKernel.gemm(transA: false, transB: true, m: coutG, n: width, k: positions,
                                          a: upstream + block.offset, lda: planeOut, b: b, ldb: ldb, c: c, ldc: ldc)
                        if !first {
                            for co in 0..<coutG {
                                let into = target + co &* patch, from = product + co &* width
                                for j in 0..<width { into[j] += from[j] }
                            }
                        }
                        first = false
                    }
                }
            }
        }
        if slices > 1 {
            gradWeight.update(from: partials, count: count)
            for slice in 1..<slices {
                let from = partials + slice &* count
                for i in 0..<count { gradWeight[i] += from[i] }
            }
        }
    }

    /// `gradBias[c] = Σ_n Σ_positions gradOutput[n, c, ·]`, the bias gradient of a convolution.
    static func backwardBias<T: TensorScalar>(
        _ g: ConvolutionGeometry, gradOutput: UnsafePointer<T>, gradBias: UnsafeMutablePointer<T>
    ) {
        sumPerChannel(gradOutput, batch: g.batch, channels: g.outChannels, plane: g.output.area, into: gradBias)
    }

    /// `sums[c] = Σ_n Σ_i x[n, c, i]` for x [batch, channels, plane]: each plane summed in
    /// Double, planes added in batch order; channels split across threads when large.
    static func sumPerChannel<T: TensorScalar>(
        _ x: UnsafePointer<T>, batch: Int, channels: Int, plane: Int, into sums: UnsafeMutablePointer<T>
    ) {
        let parts = Swift.max(1, Swift.min(channels, Parallel.chunks(for: batch * channels * plane)))
        split(channels, parts: parts) { range in
            for c in range {
                var total = 0.0
                for n in 0..<batch { total += ReductionKernels.sum(x + (n &* channels &+ c) &* plane, count: plane) }
                sums[c] = T(total)
            }
        }
    }

    /// `x[n, c, i] += values[c]` for x [batch, channels, plane].
    static func addPerChannel<T: TensorScalar>(
        _ values: UnsafePointer<T>, to x: UnsafeMutablePointer<T>, batch: Int, channels: Int, plane: Int
    ) {
        for n in 0..<batch {
            for c in 0..<channels {
                let value = values[c], row = x + (n &* channels &+ c) &* plane
                for i in 0..<plane { row[i] += value }
            }
        }
    }

    // MARK: - Splitting the work

    /// Parts to split `items` into: `threads` if given, else one per core for work past
    /// the GEMM's threading threshold.
    private static func parts(_ g: ConvolutionGeometry, items: Int, threads: Int?) -> Int {
        let wanted = threads.map { Swift.max(1, $0) } ?? (g.flops < MatmulKernel.parallelFlops ? 1 : Parallel.cores)
        return Swift.max(1, Swift.min(wanted, items))
    }

    /// Blocks to cut each group's input channels into when `units` (images × groups, or
    /// slices × groups) are fewer than the threads: 1 unless cores would sit idle.
    private static func channelSplit(_ g: ConvolutionGeometry, units: Int, threads: Int?) -> Int {
        let wanted = threads.map { Swift.max(1, $0) } ?? (g.flops < MatmulKernel.parallelFlops ? 1 : Parallel.cores)
        guard units < wanted, g.inChannelsPerGroup > 1 else { return 1 }
        return Swift.min(g.inChannelsPerGroup, (wanted + units - 1) / units)
    }

    /// Calls `body` on `parts` consecutive ranges covering `0..<items`, concurrently.
    private static func split(_ items: Int, parts: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEach(parts) { part in body((part * items / parts)..<((part + 1) * items / parts)) }
    }

    /// Runs `worker` on `parts` threads; each takes items from `0..<items` through `next`
    /// until none are left. Items are claimed one at a time, so a thread the scheduler
    /// delays (the cores are shared) leaves its share to the others. Which thread runs an
    /// item does not change what it computes.
    private static func schedule(_ items: Int, parts: Int, _ worker: (_ next: () -> Int?) -> Void) {
        let claimed = Atomic<Int>(0)
        Parallel.forEach(parts) { _ in
            worker {
                let item = claimed.wrappingAdd(1, ordering: .relaxed).oldValue
                return item < items ? item : nil
            }
        }
    }
}
