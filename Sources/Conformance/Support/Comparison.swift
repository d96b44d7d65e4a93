import Foundation
import Autograd

/// `|got - want| <= absolute + relative * |want|`, element by element.
public struct Tolerance: Sendable, Equatable {
    /// The error allowed whatever the expected value.
    public var absolute: Double
    /// The error allowed per unit of `|want|`.
    public var relative: Double

    /// A tolerance of `absolute + relative * |want|`.
    ///
    /// - Parameters:
    ///   - absolute: the error allowed whatever the expected value.
    ///   - relative: the error allowed per unit of `|want|`.
    public init(absolute: Double, relative: Double) {
        self.absolute = absolute
        self.relative = relative
    }

    func allowed(for want: Double) -> Double { absolute + relative * Swift.abs(want) }

    /// Whether `got` is within this tolerance of `want`: `|got - want| <= absolute +
    /// relative * |want|`, as `torch.allclose`; NaN matches NaN and an infinity only
    /// itself. The one formula every comparison of the checks uses, for tests to share.
    ///
    /// - Parameters:
    ///   - got: the value under test.
    ///   - want: the expected value.
    public func admits(_ got: Double, _ want: Double) -> Bool {
        Self.error(got, want) <= allowed(for: want.isFinite ? want : 0)
    }

    /// How far `got` is from `want`: 0 for NaN against NaN and an infinity against
    /// itself, infinite for NaN or an infinity against anything else.
    static func error(_ got: Double, _ want: Double) -> Double {
        if got.isNaN || want.isNaN { return got.isNaN && want.isNaN ? 0 : .infinity }
        if !got.isFinite || !want.isFinite { return got == want ? 0 : .infinity }
        return Swift.abs(got - want)
    }

    /// A kernel against a float64 evaluation of the same thing written another way
    /// (a reference expression, another layout, the float64 kernel).
    public static func forward(_ dtype: DType) -> Tolerance {
        switch dtype {
        case .float32: Tolerance(absolute: 1e-5, relative: 1e-4)
        case .float64: Tolerance(absolute: 1e-10, relative: 1e-8)
        case .int64, .bool: Tolerance(absolute: 0, relative: 0)
        }
    }

    /// The cases file's own tolerances (see its README).
    public static func cases(_ dtype: DType) -> Tolerance {
        switch dtype {
        case .float32: Tolerance(absolute: 1e-5, relative: 1e-4)
        case .float64: Tolerance(absolute: 1e-12, relative: 1e-10)
        case .int64, .bool: Tolerance(absolute: 0, relative: 0)
        }
    }

    /// Analytical derivatives against central differences with step 1e-6, as
    /// PyTorch's gradcheck and gradgradcheck.
    public static let finiteDifference = Tolerance(absolute: 1e-5, relative: 1e-3)

    /// Integer and bool values: equal or not.
    public static let exact = Tolerance(absolute: 0, relative: 0)

    /// A float32 derivative against a float64 one (of the reference, or central
    /// differences of it): float32's rounding, grown through a backward pass,
    /// measured against the largest derivative compared (`scale`), as a gradient
    /// near zero inherits the rounding of its larger neighbours.
    static func float32Derivative(scale: Double) -> Tolerance {
        Tolerance(absolute: 2e-4 * Swift.max(scale, 1), relative: 2e-3)
    }
}

/// The worst element of one or more elementwise comparisons.
struct Comparison: Sendable {
    /// The error at the worst element: the one with the largest error relative to its tolerance.
    var worstError = 0.0
    var tolerance = 0.0
    /// Where the worst element is, when it fails: a description built by the caller.
    var worstIndex: Int?
    var worstGot = 0.0
    var worstWant = 0.0
    var mismatches = 0
    var compared = 0
    /// The first element that fails, in order: what a report of "the first input
    /// that differs" names.
    var firstMismatch: (index: Int, got: Double, want: Double)?
    private var worstRatio = -1.0

    var passed: Bool { mismatches == 0 }

    /// Compares `got` to `want`; NaN matches NaN and an infinity only itself.
    /// Elements one side lacks count as mismatches (callers compare shapes first
    /// and say so; this never traps on what a declaration got wrong).
    mutating func add(got: [Double], want: [Double], tolerance: Tolerance) {
        if got.count != want.count {
            let missing = Swift.max(got.count, want.count) - Swift.min(got.count, want.count)
            compared += missing
            mismatches += missing
            worstRatio = .infinity
            worstError = .infinity
            worstIndex = Swift.min(got.count, want.count)
        }
        for i in 0..<Swift.min(got.count, want.count) {
            let (g, w) = (got[i], want[i])
            let allowed = tolerance.allowed(for: w.isFinite ? w : 0)
            let error = Tolerance.error(g, w)
            compared += 1
            if error > allowed {
                mismatches += 1
                if firstMismatch == nil { firstMismatch = (i, g, w) }
            }
            let ratio = error.isInfinite ? .infinity : error / allowed
            if ratio > worstRatio {
                worstRatio = ratio
                worstError = error
                self.tolerance = allowed
                worstIndex = i
                worstGot = g
                worstWant = w
            }
        }
    }

    static func of(got: [Double], want: [Double], tolerance: Tolerance) -> Comparison {
        var c = Comparison()
        c.add(got: got, want: want, tolerance: tolerance)
        return c
    }

    /// Folds another comparison in, keeping the worse element.
    mutating func merge(_ other: Comparison) {
        if firstMismatch == nil { firstMismatch = other.firstMismatch }
        mismatches += other.mismatches
        compared += other.compared
        if other.worstRatio > worstRatio {
            worstRatio = other.worstRatio
            worstError = other.worstError
            tolerance = other.tolerance
            worstIndex = other.worstIndex
            worstGot = other.worstGot
            worstWant = other.worstWant
        }
    }
}

/// Formats a number for messages: short, but exact enough to tell values apart.
func show(_ value: Double) -> String {
    String(format: "%.9g", value)
}

/// Formats a number with every digit it has: for values that may differ in the last bit.
func showExactly(_ value: Double) -> String {
    "\(value)"
}
