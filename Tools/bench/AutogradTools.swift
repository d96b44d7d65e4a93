import Autograd

extension Workloads {
    /// W17: what the autograd tools cost: Jacobians of a function from 100 inputs
    /// to 10 outputs by reverse and forward mode, and its Hessian by forward over reverse.
    func w17() -> [String: Double] {
        var g = RandomGenerator(seed: 17)
        let w = Tensor.randn([10, 100], dtype: .float64, using: &g)
        let x = Tensor.randn([100], dtype: .float64, using: &g)
        let f: (Tensor) -> Tensor = { tanh(matmul(w, $0)) }
        let runs = quick ? 1 : 5
        let reverse = Measure.median(runs: runs) { _ = try! jacobian(f, at: x) }
        let forward = Measure.median(runs: runs) { _ = try! jacobianForward(f, at: x) }
        let hessian = Measure.median(runs: runs) { _ = try! Autograd.hessian({ f($0).sum() }, at: x) }
        return ["W17_jacobian_reverse_ms": reverse * 1e3, "W17_jacobian_forward_ms": forward * 1e3,
                "W17_hessian_ms": hessian * 1e3]
    }
}
