import Autograd

/// The workloads of the benchmark suite; each returns its named figures.
struct Workloads {
    let quick: Bool
    var runs: Int { quick ? 3 : 15 }

    /// W1: a chain of 100 elementwise ops on shape-[1] tensors, then sum and backward.
    func w1() -> [String: Double] {
        let x = Tensor([1.0], requiresGrad: true)
        func chain() -> Tensor {
            var y = x
            for i in 0..<100 { y = i % 2 == 0 ? y * 1.0001 : y + 0.0001 }
            return y.sum()
        }
        let forward = Measure.median(runs: runs * 10) { _ = chain() }
        let both = Measure.median(runs: runs * 10) { try! chain().backward() }
        return ["W1_fwd_us_per_op": forward / 100 * 1e6, "W1_fwd_bwd_us_per_op": both / 100 * 1e6]
    }

    /// W3: square float32 and float64 matmul, GFLOP/s of the default kernel and of the built-in Swift one.
    func w3() -> [String: Double] {
        var figures: [String: Double] = [:]
        let swiftOnly = OpRegistry.withBuiltins()
        func gflops(_ n: Int, _ dtype: DType, _ registry: OpRegistry) -> Double {
            var g = RandomGenerator(seed: 1)
            let a = Tensor.randn([n, n], dtype: dtype, using: &g), b = Tensor.randn([n, n], dtype: dtype, using: &g)
            let t = Measure.median(runs: quick ? 1 : (n >= 1024 ? 3 : 7)) { _ = try! registry.call("matmul", [a, b]) }
            return 2 * Double(n * n * n) / t / 1e9
        }
        for n in [256, 512, 1024] { figures["W3_f32_\(n)_gflops"] = gflops(n, .float32, .shared) }
        figures["W3_f64_512_gflops"] = gflops(512, .float64, .shared)
        figures["W3_swift_f32_512_gflops"] = gflops(512, .float32, swiftOnly)
        return figures
    }

    /// W4: `x * a + b` then `sum()` over 4M float32 elements, as effective GB/s.
    func w4() -> [String: Double] {
        let n = 4 << 20
        var g = RandomGenerator(seed: 2)
        let x = Tensor.randn([n], using: &g)
        let a = Tensor.randn([n], requiresGrad: true, using: &g)
        let b = Tensor.randn([n], requiresGrad: true, using: &g)
        let forward = Measure.median(runs: runs) { _ = withNoGrad { (x * a + b).sum() } }
        let both = Measure.median(runs: runs) {
            try! (x * a + b).sum().backward()
            a.grad = nil
            b.grad = nil
        }
        // The machine's copy bandwidth, bytes read plus bytes written, as W4's figure counts them.
        let big = Tensor.randn([16 << 20], using: &g), destination = Tensor.zeros([16 << 20])
        let copy = Measure.median(runs: runs) { try! destination.copy(from: big) }
        return ["W4_fwd_ms": forward * 1e3, "W4_fwd_bwd_ms": both * 1e3,
                // x, a, b read; t = x·a written and read; y written and read by sum: 7 passes of 4 bytes.
                "W4_fwd_GBps": Double(7 * 4 * n) / forward / 1e9,
                "copy_GBps": Double(2 * 4 * big.scalarCount) / copy / 1e9]
    }

    /// W5: a chain of 1,000,000 ops on a shape-[1] tensor, then backward: time and memory per node.
    func w5() -> [String: Double] {
        let count = quick ? 100_000 : 1_000_000
        let before = Measure.memory()
        var perNode = 0.0
        let seconds = Measure.seconds {
            let x = Tensor([1.0], requiresGrad: true)
            var y = x
            for i in 0..<count { y = i % 2 == 0 ? y * 1.000001 : y + 0.000001 }
            perNode = Double(Measure.memory() - before) / Double(count)
            try! y.backward()
        }
        return ["W5_1m_s": seconds * 1_000_000 / Double(count), "W5_bytes_per_node": perNode,
                "W5_peak_rss_MB": Double(Measure.memory("VmHWM")) / 1e6]
    }

    /// W6: 10,000 steps of the tutorial's linear regression: time per step and memory growth.
    func w6() -> [String: Double] {
        let xs = Tensor([[1.0], [2.0], [3.0], [4.0]])
        let yTrue = Tensor([[2.0], [4.0], [6.0], [8.0]])
        let w = Tensor([[1.5]], requiresGrad: true)
        let b = Tensor([[0.5]], requiresGrad: true)
        var rssAt1000 = 0
        let steps = quick ? 2_000 : 10_000
        let seconds = Measure.seconds {
            for step in 1...steps {
                let loss = ((matmul(xs, w) + b - yTrue) ** 2).mean()
                try! loss.backward()
                withNoGrad {
                    w -= 0.01 * w.grad!
                    b -= 0.01 * b.grad!
                    w.grad!.zero()
                    b.grad!.zero()
                }
                if step == 1_000 { rssAt1000 = Measure.memory() }
            }
        }
        return ["W6_us_per_step": seconds / Double(steps) * 1e6,
                "W6_rss_growth_MB": Double(Measure.memory() - rssAt1000) / 1e6]
    }

    /// W13: `cat` of four 1M-element float32 tensors, forward + backward (and forward alone).
    func w13() -> [String: Double] {
        var g = RandomGenerator(seed: 13)
        let parts = (0..<4).map { _ in Tensor.randn([1 << 20], requiresGrad: true, using: &g) }
        let upstream = Tensor.randn([4 << 20], using: &g)
        let forward = Measure.median(runs: runs) { _ = withNoGrad { concatenated(parts) } }
        let both = Measure.median(runs: runs) {
            try! concatenated(parts).backward(gradient: upstream)
            for p in parts { p.grad = nil }
        }
        return ["W13_cat_ms": both * 1e3, "W13_cat_fwd_ms": forward * 1e3]
    }

    /// W14: the strided slice copy `x[:, 1::2]` of a 2048×2048 float32 tensor, forward + backward (and forward alone).
    func w14() -> [String: Double] {
        var g = RandomGenerator(seed: 14)
        let x = Tensor.randn([2048, 2048], requiresGrad: true, using: &g)
        let upstream = Tensor.randn([2048, 1024], using: &g)
        let forward = Measure.median(runs: runs) { _ = withNoGrad { x[.all, .strided(from: 1, by: 2)].contiguous() } }
        let both = Measure.median(runs: runs) {
            try! x[.all, .strided(from: 1, by: 2)].contiguous().backward(gradient: upstream)
            x.grad = nil
        }
        return ["W14_strided_copy_ms": both * 1e3, "W14_strided_copy_fwd_ms": forward * 1e3]
    }

    /// W15: logsumexp over the last dim of a 4096×1024 float32 tensor, forward and
    /// backward; the fastest of several runs.
    func w15() -> [String: Double] {
        var g = RandomGenerator(seed: 15)
        let x = Tensor.randn([4096, 1024], requiresGrad: true, using: &g)
        let upstream = Tensor.randn([4096], using: &g)
        let runs = quick ? 3 : 20
        let forward = Measure.fastest(runs: runs) { _ = withNoGrad { x.logSumExp(dims: [-1]) } }
        let both = Measure.fastest(runs: runs) {
            try! x.logSumExp(dims: [-1]).backward(gradient: upstream)
            x.grad = nil
        }
        return ["W15_logsumexp_fwd_ms": forward * 1e3, "W15_logsumexp_ms": both * 1e3]
    }
}
