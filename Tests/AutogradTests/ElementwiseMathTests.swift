#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Autograd
import TestSupport

/// The Swift API of the elementwise math ops (log1p ... square, the rounding ops,
/// atan2, fmod, remainder): spellings, int64 inputs, special values. Their values
/// and derivatives against PyTorch are ReferenceCaseTests'.
@Suite("Elementwise math")
struct ElementwiseMathTests {
    /// A float64 input that is not contiguous (a transpose), with both signs.
    static func input(_ dtype: DType = .float64, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(shape: [3, 2], scalars: [0.3, -0.7, 0.45, 0.9, -0.2, 0.6], dtype: dtype, requiresGrad: requiresGrad)
        return t.transposed(0, 1)
    }

    static let unary: [(String, @Sendable (Tensor) -> Tensor, @Sendable (Tensor) -> Tensor)] = [
        ("log1p", { log1p($0) }, { $0.log1p() }), ("expm1", { expm1($0) }, { $0.expm1() }),
        ("log2", { log2($0) }, { $0.log2() }), ("exp2", { exp2($0) }, { $0.exp2() }),
        ("tan", { tan($0) }, { $0.tan() }), ("asin", { asin($0) }, { $0.asin() }),
        ("acos", { acos($0) }, { $0.acos() }), ("atan", { atan($0) }, { $0.atan() }),
        ("sinh", { sinh($0) }, { $0.sinh() }), ("cosh", { cosh($0) }, { $0.cosh() }),
        ("rsqrt", { rsqrt($0) }, { $0.rsqrt() }), ("reciprocal", { reciprocal($0) }, { $0.reciprocal() }),
        ("square", { square($0) }, { $0.square() }), ("floor", { floor($0) }, { $0.floor() }),
        ("ceil", { ceil($0) }, { $0.ceil() }), ("round", { round($0) }, { $0.round() }),
        ("trunc", { trunc($0) }, { $0.trunc() }),
    ]

    @Test("each op is a free function and a method that agree, and the registry's op", arguments: unary.indices)
    func unarySpellings(_ index: Int) throws {
        let (name, function, method) = Self.unary[index]
        let x = Self.input()
        let viaRegistry = try OpRegistry.shared.call(name, [x])
        #expect(function(x).scalars.bitPatterns == viaRegistry.scalars.bitPatterns, "\(name)")
        #expect(method(x).scalars.bitPatterns == viaRegistry.scalars.bitPatterns, "\(name)")
        #expect(viaRegistry.shape == [2, 3] && viaRegistry.dtype == .float64)
        // A 0-d input and an empty one keep their shapes.
        #expect(function(Tensor(0.25, dtype: .float32)).shape == [])
        #expect(function(Tensor.zeros([0, 3])).shape == [0, 3])
    }

    @Test("atan2, fmod and remainder: free functions, methods and scalar overloads agree")
    func binarySpellings() {
        let a = Self.input(), b = Tensor([1.5, -0.4, 0.35], dtype: .float64)
        #expect(atan2(a, b).scalars == a.atan2(b).scalars && atan2(a, b).shape == [2, 3])
        #expect(fmod(a, b).scalars == a.fmod(b).scalars)
        #expect(remainder(a, b).scalars == a.remainder(b).scalars)
        #expect(fmod(a, 0.25).scalars == a.fmod(0.25).scalars)
        #expect(fmod(a, 0.25).scalars == fmod(a, Tensor(0.25, dtype: .float64)).scalars)
        #expect(remainder(a, 2).scalars == a.remainder(2).scalars)
        #expect(remainder(a, 2).dtype == .float64)
    }

    /// RealModule's static members are the functions C and PyTorch use (its `pow`
    /// is not: NaN for negative bases); this pins down that each kernel gives
    /// exactly Glibc's result, including outside the domain and at NaN and ±inf.
    @Test("kernels give C's results, bit for bit, in float32 and float64")
    func libmValues() {
        let values: [Double] = [-.infinity, -800, -20, -1.5, -1, -0.5, -1e-300, -0.0, 0, 1e-300, 1e-8, 0.5, 1, 1.5, 20,
                                800, .infinity, .nan]
        let table: [(String, (Double) -> Double, (Float) -> Float)] = [
            ("log1p", { Glibc.log1p($0) }, { Glibc.log1pf($0) }), ("expm1", { Glibc.expm1($0) }, { Glibc.expm1f($0) }),
            ("log2", { Glibc.log2($0) }, { Glibc.log2f($0) }), ("exp2", { Glibc.exp2($0) }, { Glibc.exp2f($0) }),
            ("tan", { Glibc.tan($0) }, { Glibc.tanf($0) }), ("asin", { Glibc.asin($0) }, { Glibc.asinf($0) }),
            ("acos", { Glibc.acos($0) }, { Glibc.acosf($0) }), ("atan", { Glibc.atan($0) }, { Glibc.atanf($0) }),
            ("sinh", { Glibc.sinh($0) }, { Glibc.sinhf($0) }), ("cosh", { Glibc.cosh($0) }, { Glibc.coshf($0) }),
            ("rsqrt", { 1 / Glibc.sqrt($0) }, { 1 / Glibc.sqrtf($0) }), ("reciprocal", { 1 / $0 }, { 1 / $0 }),
            ("floor", { Glibc.floor($0) }, { Glibc.floorf($0) }), ("ceil", { Glibc.ceil($0) }, { Glibc.ceilf($0) }),
            ("round", { Glibc.rint($0) }, { Glibc.rintf($0) }), ("trunc", { Glibc.trunc($0) }, { Glibc.truncf($0) }),
        ]
        for (name, c64, c32) in table {
            let got64 = OpRegistry.shared.callOrTrap(name, Tensor(shape: [values.count], scalars: values, dtype: .float64))
            #expect(got64.scalars.bitPatterns == values.map(c64).bitPatterns, "\(name) float64")
            let got32 = OpRegistry.shared.callOrTrap(name, Tensor(shape: [values.count], scalars: values, dtype: .float32))
            #expect(got32.scalars.bitPatterns == values.map { Double(c32(Float($0))) }.bitPatterns, "\(name) float32")
        }
        let a = values.flatMap { v in values.map { _ in v } }, b = values.flatMap { _ in values }
        let ta = Tensor(shape: [a.count], scalars: a, dtype: .float64)
        let tb = Tensor(shape: [b.count], scalars: b, dtype: .float64)
        #expect(atan2(ta, tb).scalars.bitPatterns == zip(a, b).map { Glibc.atan2($0, $1) }.bitPatterns)
        #expect(fmod(ta, tb).scalars.bitPatterns == zip(a, b).map { Glibc.fmod($0, $1) }.bitPatterns)
    }

    @Test("round takes halves to the even neighbour, as torch.round")
    func roundHalfToEven() {
        let x = Tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994], dtype: .float64)
        #expect(round(x).scalars == [0, 2, 2, -0.0, -2, -2, 0])
        #expect(round(x).scalars[3].sign == .minus)
        #expect(round(Tensor([2.5, 3.5], dtype: .float32)).scalars == [2, 4])
    }

    @Test("remainder takes the divisor's sign, fmod the dividend's, also at ±inf, 0 and NaN")
    func remainderSigns() {
        let inf = Double.infinity, nan = Double.nan
        let a = Tensor([-7, 7, -7, 7, 5, -1, 1, inf, 3, 3, nan], dtype: .float64)
        let b = Tensor([2, -2, -2, 2, inf, inf, -inf, 2, 0, nan, 2], dtype: .float64)
        let f = fmod(a, b).scalars, r = remainder(a, b).scalars
        #expect(Array(f[0..<7]) == [-1, 1, -1, 1, 5, -1, 1])
        #expect(Array(r[0..<7]) == [1, -1, -1, 1, 5, inf, -inf])
        #expect(f[7...].allSatisfy { $0.isNaN } && r[7...].allSatisfy { $0.isNaN })
    }

    @Test("int64: rounding is a copy, square stays int64 and wraps, the rest become float32")
    func int64Inputs() throws {
        let ints = Tensor([-3, 0, 7])
        let rounding: [(Tensor) -> Tensor] = [{ floor($0) }, { ceil($0) }, { round($0) }, { trunc($0) }]
        for op in rounding {
            let y = op(ints)
            #expect(y.dtype == .int64 && y.scalars == [-3, 0, 7] && !y.sharesStorage(with: ints))
        }
        #expect(square(ints).dtype == .int64 && square(ints).scalars == [9, 0, 49])
        let big = square(Tensor(shape: [1], scalars: [Int64.max], dtype: .int64)).withUnsafeBufferPointer(as: Int64.self) { $0[0] }
        #expect(big == Int64.max &* Int64.max)
        #expect(reciprocal(ints).dtype == .float32 && reciprocal(Tensor([2, 4])).scalars == [0.5, 0.25])
        #expect(rsqrt(Tensor([4])).dtype == .float32 && log1p(ints).dtype == .float32)
        #expect(atan2(ints, Tensor([1, 1, 1])).dtype == .float32)
        // Bool promotes as PyTorch's arithmetic does.
        #expect(square(Tensor([true, false])).dtype == .int64)
    }

    @Test("int64 fmod and remainder: C's and Python's signs; dividing by zero throws, Int64.min by -1 is 0")
    func int64Remainders() throws {
        let a = Tensor([-7, 7, -7, 7, 6]), b = Tensor([2, -2, -2, 2, 3])
        #expect(fmod(a, b).dtype == .int64 && fmod(a, b).scalars == [-1, 1, -1, 1, 0])
        #expect(remainder(a, b).dtype == .int64 && remainder(a, b).scalars == [1, -1, -1, 1, 0])
        #expect(remainder(a, 3).dtype == .int64 && remainder(a, 3).scalars == [2, 1, 2, 1, 0])
        #expect(remainder(a, 2.5).dtype == .float32 && fmod(a, 2.5).scalars == [-2, 2, -2, 2, 1])
        let minimum = Tensor(shape: [1], scalars: [Int64.min], dtype: .int64)
        #expect(fmod(minimum, Tensor([-1])).scalars == [0] && remainder(minimum, Tensor([-1])).scalars == [0])
        for op in ["fmod", "remainder"] {
            expectError(["\(op): integer division by zero", "ZeroDivisionError"]) {
                _ = try OpRegistry.shared.call(op, [a, Tensor([1, 1, 0, 1, 1])])
            }
        }
    }

    @Test("rounding ops have zero gradient and tangent, with PyTorch's grad_fn names")
    func roundingGradients() throws {
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("Floor", { floor($0) }), ("Ceil", { ceil($0) }), ("Round", { round($0) }), ("Trunc", { trunc($0) }),
        ]
        for (name, op) in ops {
            let x = Self.input(requiresGrad: true)
            let y = op(x)
            #expect(y.gradFn?.name == "\(name)Backward0")
            let g = try #require(try grad(of: [(y * 3).sum()], wrt: [x])[0])
            #expect(g.shape == x.shape && g.scalars.allSatisfy { $0 == 0 })
            let (_, tangents) = try jvp({ [op($0[0])] }, primals: [x.detach()], tangents: [Tensor.ones(like: x)])
            #expect(tangents[0]?.scalars.allSatisfy { $0 == 0 } ?? true)
        }
    }

    @Test("fmod and remainder differentiate in b: -trunc(a / b) and -floor(a / b)")
    func remainderGradientInDivisor() throws {
        let a = Tensor([-7.5, 7.5, 2.25], dtype: .float64, requiresGrad: true)
        let b = Tensor([2.0, -2.0, 0.5], dtype: .float64, requiresGrad: true)
        let f = try grad(of: [fmod(a, b).sum()], wrt: [a, b])
        #expect(f[0]?.scalars == [1, 1, 1] && f[1]?.scalars == [3, 3, -4])
        let r = try grad(of: [remainder(a, b).sum()], wrt: [a, b])
        #expect(r[0]?.scalars == [1, 1, 1] && r[1]?.scalars == [4, 4, -4])
        // A broadcast a carries its tangent to every element of the output.
        let (_, tangents) = try jvp({ [fmod($0[0], b.detach())] }, primals: [Tensor(3.0, dtype: .float64)],
                                    tangents: [Tensor(1.0, dtype: .float64)])
        #expect(tangents[0]?.scalars == [1, 1, 1])
    }
}

extension OpRegistry {
    /// `call` for an op of one input, trapping on error (as the Swift sugar does).
    func callOrTrap(_ name: String, _ x: Tensor) -> Tensor {
        do { return try call(name, [x]) } catch { fatalError("\(error)") }
    }
}

extension [Double] {
    /// The elements' bit patterns, so that NaN compares equal to NaN and -0 differs from 0.
    var bitPatterns: [UInt64] { map { $0.isNaN ? Double.nan.bitPattern : $0.bitPattern } }
}
