import Foundation
@testable import Autograd

/// The convolution and pooling ops written as plain float64 loops straight from their
/// definitions: the oracle the kernels are checked against. Each convolution is one
/// enumeration of (input element, weight element, output element) products, so the
/// forward and both adjoints come from the same plain loop.
enum NaiveNN {
    /// Calls `tap(x, w, y)` for each product `input[x] · weight[w]` that convolution output `y` sums.
    static func forEachConvolutionTap(_ g: ConvolutionGeometry, _ tap: (Int, Int, Int) -> Void) {
        let cinG = g.inChannels / g.groups, coutG = g.outChannels / g.groups
        let (h, w, ho, wo) = (g.input.height, g.input.width, g.output.height, g.output.width)
        for n in 0..<g.batch {
            for co in 0..<g.outChannels {
                let group = co / coutG
                for oh in 0..<ho {
                    for ow in 0..<wo {
                        let y = ((n * g.outChannels + co) * ho + oh) * wo + ow
                        for ci in 0..<cinG {
                            for ki in 0..<g.kernel.height {
                                for kj in 0..<g.kernel.width {
                                    let ih = oh * g.stride.height - g.padding.height + ki * g.dilation.height
                                    let iw = ow * g.stride.width - g.padding.width + kj * g.dilation.width
                                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                    let x = ((n * g.inChannels + group * cinG + ci) * h + ih) * w + iw
                                    let k = ((co * cinG + ci) * g.kernel.height + ki) * g.kernel.width + kj
                                    tap(x, k, y)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `tap(x, w, y)` for each product of the transposed convolution, from its own
    /// definition: input (n, ci, ih, iw) times weight (ci, co, ki, kj) lands on output
    /// (n, group·C_out/groups + co, ih·stride − pad + ki·dil, iw·stride − pad + kj·dil).
    static func forEachTransposedTap(_ t: TransposedConvolutionGeometry, _ tap: (Int, Int, Int) -> Void) {
        let g = t.convolution
        let cin = g.outChannels, cout = g.inChannels
        let cinG = cin / g.groups, coutG = cout / g.groups
        let (h, w) = (g.output.height, g.output.width), (ho, wo) = (g.input.height, g.input.width)
        for n in 0..<g.batch {
            for ci in 0..<cin {
                let group = ci / cinG
                for ih in 0..<h {
                    for iw in 0..<w {
                        let x = ((n * cin + ci) * h + ih) * w + iw
                        for co in 0..<coutG {
                            for ki in 0..<g.kernel.height {
                                for kj in 0..<g.kernel.width {
                                    let oh = ih * g.stride.height - g.padding.height + ki * g.dilation.height
                                    let ow = iw * g.stride.width - g.padding.width + kj * g.dilation.width
                                    guard oh >= 0, oh < ho, ow >= 0, ow < wo else { continue }
                                    let k = ((ci * coutG + co) * g.kernel.height + ki) * g.kernel.width + kj
                                    let y = ((n * cout + group * coutG + co) * ho + oh) * wo + ow
                                    tap(x, k, y)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A bilinear op given by its taps: `y = Σ x·w (+ bias per channel)` and the adjoints.
    struct Bilinear {
        var output: [Double]
        var gradInput: [Double]
        var gradWeight: [Double]
        var gradBias: [Double]
    }

    /// Forward and gradients of a bilinear op: `taps` enumerates its products, `channels`
    /// and `plane` describe the output [N, channels, plane] the bias adds to.
    static func bilinear(
        taps: ((Int, Int, Int) -> Void) -> Void, x: [Double], w: [Double], bias: [Double]?, upstream gy: [Double],
        outputCount: Int, channels: Int, plane: Int
    ) -> Bilinear {
        var y = [Double](repeating: 0, count: outputCount)
        var gx = [Double](repeating: 0, count: x.count), gw = [Double](repeating: 0, count: w.count)
        taps { xi, wi, yi in
            y[yi] += x[xi] * w[wi]
            gx[xi] += gy[yi] * w[wi]
            gw[wi] += gy[yi] * x[xi]
        }
        var gb = [Double](repeating: 0, count: channels)
        for i in 0..<outputCount {
            let c = (i / plane) % channels
            if let bias { y[i] += bias[c] }
            gb[c] += gy[i]
        }
        return Bilinear(output: y, gradInput: gx, gradWeight: gw, gradBias: gb)
    }

    static func convolution(_ g: ConvolutionGeometry, x: [Double], w: [Double], bias: [Double]?, upstream: [Double]) -> Bilinear {
        bilinear(taps: { forEachConvolutionTap(g, $0) }, x: x, w: w, bias: bias, upstream: upstream,
                 outputCount: g.batch * g.outChannels * g.output.area, channels: g.outChannels, plane: g.output.area)
    }

    static func transposed(_ t: TransposedConvolutionGeometry, x: [Double], w: [Double], bias: [Double]?, upstream: [Double]) -> Bilinear {
        let g = t.convolution
        return bilinear(taps: { forEachTransposedTap(t, $0) }, x: x, w: w, bias: bias, upstream: upstream,
                        outputCount: g.batch * g.inChannels * g.input.area, channels: g.inChannels, plane: g.input.area)
    }

    /// max_pool2d: values, flat argmax indices per plane, and the input gradient. The
    /// first in-bounds position of the window starts the search; a later element replaces
    /// the maximum if it is greater or NaN (PyTorch's CPU rule).
    static func maxPool(_ g: PoolingGeometry, x: [Double], upstream gy: [Double]) -> (output: [Double], indices: [Int], gradInput: [Double]) {
        let (h, w, ho, wo) = (g.input.height, g.input.width, g.output.height, g.output.width)
        var y = [Double](), indices = [Int](), gx = [Double](repeating: 0, count: x.count)
        for p in 0..<g.planes {
            for oh in 0..<ho {
                for ow in 0..<wo {
                    var best = -Double.infinity, index = -1
                    for ki in 0..<g.kernel.height {
                        for kj in 0..<g.kernel.width {
                            let ih = oh * g.stride.height - g.padding.height + ki * g.dilation.height
                            let iw = ow * g.stride.width - g.padding.width + kj * g.dilation.width
                            guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                            let v = x[p * h * w + ih * w + iw]
                            if index < 0 || v > best || v.isNaN {
                                best = v
                                index = ih * w + iw
                            }
                        }
                    }
                    if index < 0 {
                        // A window wholly in the padding: PyTorch reports −∞ at the first grid
                        // position past the padding, even outside the plane or on another row,
                        // and its backward adds the gradient there when that lies in the plane.
                        var row = oh * g.stride.height - g.padding.height, column = ow * g.stride.width - g.padding.width
                        while row < 0 { row += g.dilation.height }
                        while column < 0 { column += g.dilation.width }
                        index = row * w + column
                    }
                    y.append(best)
                    indices.append(index)
                    if index < h * w { gx[p * h * w + index] += gy[y.count - 1] }
                }
            }
        }
        return (y, indices, gx)
    }

    /// avg_pool2d with PyTorch's divisor: the window clipped to the padded input
    /// (count_include_pad) or the count of input elements in it.
    static func avgPool(_ g: PoolingGeometry, countIncludePad: Bool, x: [Double], upstream gy: [Double]) -> (output: [Double], gradInput: [Double]) {
        let (h, w, ho, wo) = (g.input.height, g.input.width, g.output.height, g.output.width)
        var y = [Double](), gx = [Double](repeating: 0, count: x.count)
        for p in 0..<g.planes {
            for oh in 0..<ho {
                for ow in 0..<wo {
                    let hs = oh * g.stride.height - g.padding.height, ws = ow * g.stride.width - g.padding.width
                    let he = min(hs + g.kernel.height, h + g.padding.height), we = min(ws + g.kernel.width, w + g.padding.width)
                    var inside: [Int] = []
                    for ih in max(hs, 0)..<max(max(hs, 0), min(he, h)) {
                        for iw in max(ws, 0)..<max(max(ws, 0), min(we, w)) { inside.append(p * h * w + ih * w + iw) }
                    }
                    let divisor = Double(countIncludePad ? (he - hs) * (we - ws) : inside.count)
                    y.append(inside.isEmpty ? 0 : inside.map { x[$0] }.reduce(0, +) / divisor)
                    for i in inside { gx[i] += gy[y.count - 1] / divisor }
                }
            }
        }
        return (y, gx)
    }

    /// adaptive_avg_pool2d: cell (i, j) averages rows [⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉) and the columns likewise.
    static func adaptiveAvgPool(_ g: AdaptivePoolingGeometry, x: [Double], upstream gy: [Double]) -> (output: [Double], gradInput: [Double]) {
        let (h, w, ho, wo) = (g.input.height, g.input.width, g.output.height, g.output.width)
        func start(_ i: Int, _ size: Int, _ out: Int) -> Int { Int((Double(i * size) / Double(out)).rounded(.down)) }
        func end(_ i: Int, _ size: Int, _ out: Int) -> Int { Int((Double((i + 1) * size) / Double(out)).rounded(.up)) }
        var y = [Double](), gx = [Double](repeating: 0, count: x.count)
        for p in 0..<g.planes {
            for oh in 0..<ho {
                for ow in 0..<wo {
                    var inside: [Int] = []
                    for ih in start(oh, h, ho)..<end(oh, h, ho) {
                        for iw in start(ow, w, wo)..<end(ow, w, wo) { inside.append(p * h * w + ih * w + iw) }
                    }
                    y.append(inside.map { x[$0] }.reduce(0, +) / Double(inside.count))
                    for i in inside { gx[i] += gy[y.count - 1] / Double(inside.count) }
                }
            }
        }
        return (y, gx)
    }
}

/// A heap buffer of `T` for calling kernels, at least one element long (so that empty
/// tensors still have a pointer), filled with a sentinel that shows unwritten elements.
final class KernelBuffer<T: TensorScalar> {
    let count: Int
    let pointer: UnsafeMutablePointer<T>

    init(count: Int, fill: T = 1e6) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(1, count))
        pointer.initialize(repeating: fill, count: Swift.max(1, count))
    }

    convenience init(_ values: [Double]) {
        self.init(count: values.count)
        for (i, v) in values.enumerated() { pointer[i] = T(v) }
    }

    deinit { pointer.deallocate() }

    var values: [Double] { (0..<count).map { Double(pointer[$0]) } }
    var readOnly: UnsafePointer<T> { UnsafePointer(pointer) }
}

/// The inner product of two equal-length vectors.
func innerProduct(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
