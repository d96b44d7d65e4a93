import Testing
@testable import Autograd
import Conformance
import TestSupport

/// The convolution and transposed-convolution kernels against plain float64 loops
/// (`NaiveNN`): forward, input, weight and bias gradients over many geometries, the
/// adjoint identities, and bit-identical results whatever the thread count.
@Suite("Convolution kernels")
struct ConvolutionKernelTests {
    static func conv(
        _ n: Int, _ cin: Int, _ cout: Int, groups: Int = 1, _ h: Int, _ w: Int, k: (Int, Int), s: (Int, Int) = (1, 1),
        p: (Int, Int) = (0, 0), d: (Int, Int) = (1, 1), rank: Int = 2
    ) -> ConvolutionGeometry {
        ConvolutionGeometry(batch: n, inChannels: cin, outChannels: cout, groups: groups, input: Spatial2D(h, w),
                            kernel: Spatial2D(k.0, k.1), stride: Spatial2D(s.0, s.1), padding: Spatial2D(p.0, p.1),
                            dilation: Spatial2D(d.0, d.1), spatialRank: rank)
    }

    static let geometries: [ConvolutionGeometry] = [
        // 1-d, as height 1.
        conv(2, 3, 4, 1, 9, k: (1, 3), rank: 1),
        conv(1, 4, 6, groups: 2, 1, 10, k: (1, 3), s: (1, 2), p: (0, 1), rank: 1),
        conv(3, 2, 3, 1, 11, k: (1, 2), s: (1, 3), p: (0, 2), d: (1, 2), rank: 1),
        conv(2, 5, 3, 1, 1, k: (1, 1), rank: 1),
        // 2-d: plain, strided, padded, dilated, grouped, depthwise.
        conv(2, 3, 4, 6, 5, k: (3, 3)),
        conv(1, 4, 6, groups: 2, 7, 7, k: (3, 2), s: (2, 1), p: (1, 0)),
        conv(2, 2, 3, 6, 6, k: (2, 2), p: (2, 1), d: (2, 2)),
        conv(3, 6, 6, groups: 6, 5, 4, k: (3, 3), s: (1, 2), p: (1, 1)),
        conv(1, 8, 4, groups: 4, 9, 8, k: (3, 5), s: (2, 2), p: (1, 2), d: (2, 1)),
        // 1×1 kernels: the pointwise path (no im2col), and strided or padded ones that need it.
        conv(2, 8, 4, 5, 5, k: (1, 1)),
        conv(1, 6, 9, groups: 3, 4, 7, k: (1, 1)),
        conv(2, 3, 5, 9, 8, k: (1, 1), s: (2, 3), p: (1, 0)),
        // The kernel as large as the input; whole output rows inside the padding.
        conv(1, 1, 2, 5, 5, k: (5, 5)),
        conv(1, 3, 2, 4, 4, k: (3, 3), s: (3, 3), p: (2, 2)),
        // Odd sizes, a batch that splits unevenly into weight slices, many im2col blocks.
        conv(5, 3, 7, 13, 11, k: (3, 3), p: (1, 1)),
        conv(9, 4, 5, 6, 7, k: (3, 3), p: (1, 1)),
        conv(2, 32, 8, 30, 30, k: (3, 3), p: (1, 1)),
        // Rows too long for one im2col block, cut into pieces: a long 1-d signal, wide 2-d rows.
        conv(2, 8, 4, 1, 1000, k: (1, 5), p: (0, 2), rank: 1),
        conv(1, 8, 3, 3, 1400, k: (3, 3), s: (1, 2), p: (1, 1)),
        // Empty batch, no input channels.
        conv(0, 3, 4, 5, 5, k: (3, 3)),
        conv(1, 0, 4, 5, 5, k: (3, 3)),
    ]

    static func transposed(
        _ n: Int, _ cin: Int, _ cout: Int, groups: Int = 1, _ h: Int, _ w: Int, k: (Int, Int), s: (Int, Int) = (1, 1),
        p: (Int, Int) = (0, 0), op: (Int, Int) = (0, 0), d: (Int, Int) = (1, 1)
    ) -> TransposedConvolutionGeometry {
        TransposedConvolutionGeometry(batch: n, inChannels: cin, outChannels: cout, groups: groups, input: Spatial2D(h, w),
                                      kernel: Spatial2D(k.0, k.1), stride: Spatial2D(s.0, s.1), padding: Spatial2D(p.0, p.1),
                                      outputPadding: Spatial2D(op.0, op.1), dilation: Spatial2D(d.0, d.1))
    }

    static let transposedGeometries: [TransposedConvolutionGeometry] = [
        transposed(1, 3, 2, 4, 4, k: (3, 3), s: (2, 2), p: (1, 1), op: (1, 1)),
        transposed(2, 4, 2, groups: 2, 3, 5, k: (2, 2), s: (1, 2), p: (0, 1)),
        transposed(2, 2, 3, 5, 4, k: (3, 2), s: (3, 2), p: (2, 0), op: (1, 1), d: (2, 1)),
        transposed(1, 6, 6, groups: 3, 3, 3, k: (1, 1), s: (2, 2), op: (0, 1)),
        transposed(1, 2, 2, 4, 4, k: (3, 3), p: (1, 1), op: (1, 1), d: (2, 2)),
        transposed(3, 5, 4, 6, 7, k: (3, 3), p: (1, 1)),
        transposed(2, 4, 6, groups: 2, 5, 5, k: (1, 1)),
        transposed(1, 16, 8, 9, 9, k: (4, 4), s: (2, 2), p: (1, 1)),
    ]

    // MARK: - Convolution

    @Test("im2col blocks: whole rows when they fit, pieces of a row when one row is too large")
    func blocking() {
        let wide = Self.geometries[18], long = Self.geometries[17], small = Self.geometries[4]
        #expect(ConvolutionKernels.blocking(small, Float.self).count == 1)
        for g in [wide, long] {
            for blocking in [ConvolutionKernels.blocking(g, Float.self), ConvolutionKernels.blocking(g, Double.self)] {
                #expect(blocking.rowsPerBlock == 1 && blocking.columnBlocks > 1, "\(g.testDescription)")
                // The blocks tile the output plane in order, each a contiguous run.
                var next = 0
                for i in 0..<blocking.count {
                    #expect(blocking[i].offset == next)
                    next += blocking[i].positions
                }
                #expect(next == g.output.area)
            }
        }
    }

    @Test("conv forward and gradients match float64 loops", arguments: geometries)
    func convolution(g: ConvolutionGeometry) {
        var random = SplitMix(seed: UInt64(g.batch * 1000 + g.inChannels * 31 + g.input.area))
        let x = random.normals(g.batch * g.inChannels * g.input.area)
        let w = random.normals(g.outChannels * g.patchSize), bias = random.normals(g.outChannels)
        let gy = random.normals(g.batch * g.outChannels * g.output.area)
        let want = NaiveNN.convolution(g, x: x, w: w, bias: bias, upstream: gy)
        expectBilinearClose(Self.run(g, x: x, w: w, bias: bias, upstream: gy, threads: nil, as: Double.self), want, float: false, "\(g.testDescription) float64")
        expectBilinearClose(Self.run(g, x: x, w: w, bias: bias, upstream: gy, threads: 3, as: Double.self), want, float: false, "\(g.testDescription) float64, 3 threads")
        expectBilinearClose(Self.run(g, x: x, w: w, bias: bias, upstream: gy, threads: nil, as: Float.self), want, float: true, "\(g.testDescription) float32")
    }

    @Test("⟨conv(x, w), g⟩ = ⟨x, gradInput(g)⟩ = ⟨w, gradWeight(x, g)⟩", arguments: geometries)
    func convolutionAdjoints(g: ConvolutionGeometry) {
        var random = SplitMix(seed: 99)
        let x = random.normals(g.batch * g.inChannels * g.input.area), w = random.normals(g.outChannels * g.patchSize)
        let gy = random.normals(g.batch * g.outChannels * g.output.area)
        let got = Self.run(g, x: x, w: w, bias: nil, upstream: gy, threads: nil, as: Double.self)
        let forward = innerProduct(got.output, gy)
        let scale = 1e-12 * Swift.max(1, Swift.abs(forward))
        expectClose(innerProduct(x, got.gradInput), forward, atol: scale, rtol: 0, "\(g.testDescription): ⟨conv(x), g⟩ vs ⟨x, gradInput⟩")
        expectClose(innerProduct(w, got.gradWeight), forward, atol: scale, rtol: 0, "\(g.testDescription): ⟨conv(x), g⟩ vs ⟨w, gradWeight⟩")
    }

    @Test("conv results are bit-identical for 1, 2, 3, 4 and 7 threads", arguments: [
        geometries[1], geometries[8], geometries[11], geometries[15], geometries[16], geometries[17],
        conv(1, 12, 6, 10, 9, k: (3, 3), p: (1, 1)),
    ])
    func convolutionDeterminism(g: ConvolutionGeometry) {
        var random = SplitMix(seed: 5)
        let x = random.normals(g.batch * g.inChannels * g.input.area), w = random.normals(g.outChannels * g.patchSize)
        let bias = random.normals(g.outChannels), gy = random.normals(g.batch * g.outChannels * g.output.area)
        let one = Self.run(g, x: x, w: w, bias: bias, upstream: gy, threads: 1, as: Float.self)
        for threads in [2, 3, 4, 7] {
            let other = Self.run(g, x: x, w: w, bias: bias, upstream: gy, threads: threads, as: Float.self)
            #expect(other.output == one.output, "\(g.testDescription): forward differs with \(threads) threads")
            #expect(other.gradInput == one.gradInput, "\(g.testDescription): input gradient differs with \(threads) threads")
            #expect(other.gradWeight == one.gradWeight, "\(g.testDescription): weight gradient differs with \(threads) threads")
        }
    }

    // MARK: - Transposed convolution

    @Test("conv_transpose2d forward and gradients match float64 loops", arguments: transposedGeometries)
    func transposedConvolution(t: TransposedConvolutionGeometry) {
        let g = t.convolution
        var random = SplitMix(seed: UInt64(g.input.area * 7 + g.outChannels))
        let x = random.normals(g.batch * g.outChannels * g.output.area), w = random.normals(g.outChannels * g.patchSize)
        let bias = random.normals(t.outChannels), gy = random.normals(g.batch * g.inChannels * g.input.area)
        let want = NaiveNN.transposed(t, x: x, w: w, bias: bias, upstream: gy)
        for threads in [nil, 2] as [Int?] {
            expectBilinearClose(Self.run(t, x: x, w: w, bias: bias, upstream: gy, threads: threads, as: Double.self), want, float: false,
                       "\(t.testDescription) float64, threads \(String(describing: threads))")
        }
        expectBilinearClose(Self.run(t, x: x, w: w, bias: bias, upstream: gy, threads: nil, as: Float.self), want, float: true, "\(t.testDescription) float32")
        let got = Self.run(t, x: x, w: w, bias: nil, upstream: gy, threads: nil, as: Double.self)
        let forward = innerProduct(got.output, gy), scale = 1e-12 * Swift.max(1, Swift.abs(forward))
        expectClose(innerProduct(x, got.gradInput), forward, atol: scale, rtol: 0, "\(t.testDescription): ⟨y, g⟩ vs ⟨x, gradInput⟩")
        expectClose(innerProduct(w, got.gradWeight), forward, atol: scale, rtol: 0, "\(t.testDescription): ⟨y, g⟩ vs ⟨w, gradWeight⟩")
    }

    // MARK: - Running the kernels

    static func run<T: TensorScalar>(
        _ g: ConvolutionGeometry, x: [Double], w: [Double], bias: [Double]?, upstream: [Double], threads: Int?, as _: T.Type
    ) -> NaiveNN.Bilinear {
        let input = KernelBuffer<T>(x), weight = KernelBuffer<T>(w), gy = KernelBuffer<T>(upstream)
        let b = bias.map { KernelBuffer<T>($0) }
        let y = KernelBuffer<T>(count: upstream.count), gx = KernelBuffer<T>(count: x.count)
        let gw = KernelBuffer<T>(count: w.count), gb = KernelBuffer<T>(count: g.outChannels)
        ConvolutionKernels.forward(g, input: input.readOnly, weight: weight.readOnly, bias: b?.readOnly, output: y.pointer, threads: threads)
        ConvolutionKernels.backwardInput(g, gradOutput: gy.readOnly, weight: weight.readOnly, gradInput: gx.pointer, threads: threads)
        ConvolutionKernels.backwardWeight(g, input: input.readOnly, gradOutput: gy.readOnly, gradWeight: gw.pointer, threads: threads)
        ConvolutionKernels.backwardBias(g, gradOutput: gy.readOnly, gradBias: gb.pointer)
        return NaiveNN.Bilinear(output: y.values, gradInput: gx.values, gradWeight: gw.values, gradBias: gb.values)
    }

    static func run<T: TensorScalar>(
        _ t: TransposedConvolutionGeometry, x: [Double], w: [Double], bias: [Double]?, upstream: [Double], threads: Int?,
        as _: T.Type
    ) -> NaiveNN.Bilinear {
        let input = KernelBuffer<T>(x), weight = KernelBuffer<T>(w), gy = KernelBuffer<T>(upstream)
        let b = bias.map { KernelBuffer<T>($0) }
        let y = KernelBuffer<T>(count: upstream.count), gx = KernelBuffer<T>(count: x.count)
        let gw = KernelBuffer<T>(count: w.count), gb = KernelBuffer<T>(count: t.outChannels)
        TransposedConvolutionKernels.forward(t, input: input.readOnly, weight: weight.readOnly, bias: b?.readOnly, output: y.pointer, threads: threads)
        TransposedConvolutionKernels.backwardInput(t, gradOutput: gy.readOnly, weight: weight.readOnly, gradInput: gx.pointer, threads: threads)
        TransposedConvolutionKernels.backwardWeight(t, input: input.readOnly, gradOutput: gy.readOnly, gradWeight: gw.pointer, threads: threads)
        TransposedConvolutionKernels.backwardBias(t, gradOutput: gy.readOnly, gradBias: gb.pointer)
        return NaiveNN.Bilinear(output: y.values, gradInput: gx.values, gradWeight: gw.values, gradBias: gb.values)
    }
}

/// Expects a bilinear op's forward and three gradients to match, within float64 rounding
/// or, for float32 results, float32 rounding of sums scaled by their largest value.
func expectBilinearClose(_ got: NaiveNN.Bilinear, _ want: NaiveNN.Bilinear, float: Bool, _ what: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    for (name, g, w) in [("output", got.output, want.output), ("gradInput", got.gradInput, want.gradInput),
                         ("gradWeight", got.gradWeight, want.gradWeight), ("gradBias", got.gradBias, want.gradBias)] {
        expectClose(g, w, tolerance: sumTolerance(w, float: float), "\(what) \(name)", sourceLocation: sourceLocation)
    }
}

/// The tolerance for sums of products: an absolute error relative to the largest
/// magnitude of `want`, as rounding grows with the terms summed, not with the result.
func sumTolerance(_ want: [Double], float: Bool) -> Tolerance {
    let scale = Swift.max(1, want.reduce(0) { Swift.max($0, Swift.abs($1).isNaN ? 0 : Swift.abs($1)) })
    return Tolerance(absolute: (float ? 2e-5 : 1e-12) * scale, relative: float ? 1e-4 : 1e-10)
}

extension ConvolutionGeometry: CustomTestStringConvertible {
    public var testDescription: String {
        "N\(batch) \(inChannels)→\(outChannels) g\(groups) in\(input) k\(kernel) s\(stride) p\(padding) d\(dilation)"
    }
}

extension TransposedConvolutionGeometry: CustomTestStringConvertible {
    public var testDescription: String {
        let g = convolution
        return "N\(g.batch) \(g.outChannels)→\(g.inChannels) g\(g.groups) in\(g.output) k\(g.kernel) s\(g.stride) p\(g.padding) op\(outputPadding) d\(g.dilation)"
    }
}
