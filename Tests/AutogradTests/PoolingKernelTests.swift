import Testing
@testable import Autograd
import Conformance
import TestSupport

/// The pooling kernels against plain float64 loops (`NaiveNN`) over every valid
/// combination of small sizes and attributes (ceil mode, padding, dilation, strides
/// larger and smaller than the kernel), with ties, NaN and −∞ in the max-pool data.
@Suite("Pooling kernels")
struct PoolingKernelTests {
    /// Every combination the shape rule accepts, from small sets of each attribute.
    static let maxPoolGeometries: [PoolingGeometry] = {
        var all: [PoolingGeometry] = []
        for n in [1, 2, 4, 5, 7] {
            for k in [1, 2, 3] {
                for s in [1, 2, 3] {
                    for p in [0, 1] {
                        for d in [1, 2] {
                            for ceil in [false, true] {
                                if let g = try? PoolingGeometry(maxPool2d: [2, 3, n, n + 2], kernelSize: [k, k % 3 + 1],
                                                                stride: [s, 4 - s], padding: [p, p], dilation: [d, 3 - d],
                                                                ceilMode: ceil) {
                                    all.append(g)
                                }
                            }
                        }
                    }
                }
            }
        }
        return all
    }()

    static let avgPoolGeometries: [PoolingGeometry] = {
        var all: [PoolingGeometry] = []
        for n in [1, 2, 4, 5, 7] {
            for k in [1, 2, 3, 4] {
                for s in [1, 2, 3] {
                    for p in [0, 1, 2] {
                        for ceil in [false, true] {
                            if let g = try? PoolingGeometry(avgPool2d: [2, 3, n, n + 3], kernelSize: [k, k % 4 + 1],
                                                            stride: [s, 4 - s], padding: [p, p / 2], ceilMode: ceil) {
                                all.append(g)
                            }
                        }
                    }
                }
            }
        }
        return all
    }()

    @Test("the attribute sets give enough valid geometries, ceil mode changing some sizes")
    func coverage() {
        #expect(Self.maxPoolGeometries.count >= 150)
        #expect(Self.avgPoolGeometries.count >= 150)
        // Ceil mode must produce outputs floor mode does not, including the clipped last window.
        let ceilOnly = Self.avgPoolGeometries.filter { g in
            let floor = PoolingGeometry(batch: 1, channels: 1, input: g.input, kernel: g.kernel, stride: g.stride, padding: g.padding)
            return floor.output != g.output
        }
        #expect(ceilOnly.count >= 20)
    }

    @Test("max_pool2d values, indices and gradient match float64 loops (ties, NaN, −∞)")
    func maxPool() {
        var random = SplitMix(seed: 21)
        for (index, g) in Self.maxPoolGeometries.enumerated() {
            var x = random.integers(g.planes * g.input.area, below: 4)
            if index % 3 == 1 { for i in stride(from: index % 5, to: x.count, by: 7) { x[i] = .nan } }
            if index % 3 == 2 { for i in stride(from: 0, to: x.count, by: 2) { x[i] = -.infinity } }
            let gy = random.normals(g.planes * g.output.area)
            let want = NaiveNN.maxPool(g, x: x, upstream: gy)
            for threads in [nil, 3] as [Int?] {
                let got = Self.runMax(g, x: x, upstream: gy, threads: threads, as: Double.self)
                expectClose(got.output, want.output, tolerance: sumTolerance(want.output, float: false),
                            "\(g.testDescription) output")
                #expect(got.indices == want.indices, "\(g.testDescription): indices")
                expectClose(got.gradInput, want.gradInput, tolerance: sumTolerance(want.gradInput, float: false),
                            "\(g.testDescription) gradInput")
            }
            let single = Self.runMax(g, x: x, upstream: gy, threads: nil, as: Float.self)
            #expect(single.indices == want.indices, "\(g.testDescription): float32 indices")
            expectClose(single.gradInput, want.gradInput, tolerance: sumTolerance(want.gradInput, float: true),
                        "\(g.testDescription) float32 gradInput")
        }
    }

    @Test("avg_pool2d forward and gradient match float64 loops, with and without count_include_pad")
    func avgPool() {
        var random = SplitMix(seed: 22)
        for g in Self.avgPoolGeometries {
            let x = random.normals(g.planes * g.input.area), gy = random.normals(g.planes * g.output.area)
            for include in [true, false] {
                let want = NaiveNN.avgPool(g, countIncludePad: include, x: x, upstream: gy)
                for threads in [nil, 3] as [Int?] {
                    let got = Self.runAvg(g, countIncludePad: include, x: x, upstream: gy, threads: threads, as: Double.self)
                    expectClose(got.output, want.output, tolerance: sumTolerance(want.output, float: false),
                                "\(g.testDescription) include \(include) output")
                    expectClose(got.gradInput, want.gradInput, tolerance: sumTolerance(want.gradInput, float: false),
                                "\(g.testDescription) include \(include) gradInput")
                }
                let single = Self.runAvg(g, countIncludePad: include, x: x, upstream: gy, threads: nil, as: Float.self)
                expectClose(single.output, want.output, tolerance: sumTolerance(want.output, float: true),
                            "\(g.testDescription) float32 output")
                // The adjoint identity ⟨avg(x), g⟩ = ⟨x, gradInput(g)⟩.
                let double = Self.runAvg(g, countIncludePad: include, x: x, upstream: gy, threads: nil, as: Double.self)
                let forward = innerProduct(double.output, gy)
                expectClose(innerProduct(x, double.gradInput), forward, atol: 1e-12 * Swift.max(1, Swift.abs(forward)), rtol: 0,
                            "\(g.testDescription): ⟨y, g⟩ vs ⟨x, gradInput⟩")
            }
        }
    }

    @Test("adaptive_avg_pool2d forward and gradient match float64 loops")
    func adaptiveAvgPool() throws {
        var random = SplitMix(seed: 23)
        for h in [1, 3, 5, 8] {
            for w in [2, 7] {
                for oh in [0, 1, 2, 3, 5, 8] {
                    for ow in [1, 4, 7, 9] {
                        let g = try AdaptivePoolingGeometry(adaptiveAvgPool2d: [2, 2, h, w], outputSize: [oh, ow])
                        let x = random.normals(g.planes * g.input.area), gy = random.normals(g.planes * g.output.area)
                        let want = NaiveNN.adaptiveAvgPool(g, x: x, upstream: gy)
                        for threads in [nil, 3] as [Int?] {
                            let got = Self.runAdaptive(g, x: x, upstream: gy, threads: threads, as: Double.self)
                            expectClose(got.output, want.output, tolerance: sumTolerance(want.output, float: false),
                                        "\(h)x\(w)→\(oh)x\(ow) output")
                            expectClose(got.gradInput, want.gradInput, tolerance: sumTolerance(want.gradInput, float: false),
                                        "\(h)x\(w)→\(oh)x\(ow) gradInput")
                        }
                        let single = Self.runAdaptive(g, x: x, upstream: gy, threads: nil, as: Float.self)
                        expectClose(single.output, want.output, tolerance: sumTolerance(want.output, float: true),
                                    "\(h)x\(w)→\(oh)x\(ow) float32 output")
                    }
                }
            }
        }
    }

    // MARK: - Running the kernels

    static func runMax<T: TensorScalar>(
        _ g: PoolingGeometry, x: [Double], upstream: [Double], threads: Int?, as _: T.Type
    ) -> (output: [Double], indices: [Int], gradInput: [Double]) {
        let input = KernelBuffer<T>(x), gy = KernelBuffer<T>(upstream)
        let y = KernelBuffer<T>(count: upstream.count), gx = KernelBuffer<T>(count: x.count)
        let indices = UnsafeMutablePointer<Int64>.allocate(capacity: Swift.max(1, upstream.count))
        defer { indices.deallocate() }
        MaxPoolingKernels.forward(g, input: input.readOnly, output: y.pointer, indices: indices, threads: threads)
        MaxPoolingKernels.backward(g, gradOutput: gy.readOnly, indices: indices, gradInput: gx.pointer, threads: threads)
        return (y.values, (0..<upstream.count).map { Int(indices[$0]) }, gx.values)
    }

    static func runAvg<T: TensorScalar>(
        _ g: PoolingGeometry, countIncludePad: Bool, x: [Double], upstream: [Double], threads: Int?, as _: T.Type
    ) -> (output: [Double], gradInput: [Double]) {
        let input = KernelBuffer<T>(x), gy = KernelBuffer<T>(upstream)
        let y = KernelBuffer<T>(count: upstream.count), gx = KernelBuffer<T>(count: x.count)
        AveragePoolingKernels.forward(g, countIncludePad: countIncludePad, input: input.readOnly, output: y.pointer, threads: threads)
        AveragePoolingKernels.backward(g, countIncludePad: countIncludePad, gradOutput: gy.readOnly, gradInput: gx.pointer, threads: threads)
        return (y.values, gx.values)
    }

    static func runAdaptive<T: TensorScalar>(
        _ g: AdaptivePoolingGeometry, x: [Double], upstream: [Double], threads: Int?, as _: T.Type
    ) -> (output: [Double], gradInput: [Double]) {
        let input = KernelBuffer<T>(x), gy = KernelBuffer<T>(upstream)
        let y = KernelBuffer<T>(count: upstream.count), gx = KernelBuffer<T>(count: x.count)
        AveragePoolingKernels.adaptiveForward(g, input: input.readOnly, output: y.pointer, threads: threads)
        AveragePoolingKernels.adaptiveBackward(g, gradOutput: gy.readOnly, gradInput: gx.pointer, threads: threads)
        return (y.values, gx.values)
    }
}

extension PoolingGeometry {
    var testDescription: String {
        "\(batch)x\(channels)x\(input.height)x\(input.width) k\(kernel) s\(stride) p\(padding) d\(dilation) → \(output)"
    }
}
