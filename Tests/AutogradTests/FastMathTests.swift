import Foundation
import Testing
@testable import Autograd
import TestSupport

/// The vectorisable float32 exp of the logsumexp kernels, against libm's.
@Suite("Fast exp")
struct FastMathTests {
    @Test("within 4 ulp of expf over its range, in scalar and eight-lane form; special values exact")
    func exp() {
        var worst: Float = 0
        var x: Float = -87.3
        while x < 88.7 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 1e-3 })
            let vector = FastMath.exp(lanes)
            for lane in 0..<8 {
                let want = Foundation.exp(lanes[lane])
                for got in [FastMath.exp(lanes[lane]), vector[lane]] {
                    worst = Swift.max(worst, Swift.abs(got - want) / want.ulp)
                }
            }
            x += 0.0173
        }
        #expect(worst <= 4, "worst error \(worst) ulp")
        let special: [Float] = [-.infinity, -100, -87.5, 0, 88.8, .infinity, .nan]
        let expected: [Float] = [0, 0, 0, 1, .infinity, .infinity, .nan]
        for (value, want) in zip(special, expected) {
            let got = [FastMath.exp(value), FastMath.exp(SIMD8(repeating: value))[3]]
            #expect(got.allSatisfy { $0 == want || ($0.isNaN && want.isNaN) }, "exp(\(value)) gave \(got)")
        }
    }
}
