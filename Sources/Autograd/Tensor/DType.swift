#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RealModule

/// The element type of a tensor.
///
/// `float32` is the default for real values and `int64` for integers, as in
/// PyTorch. Only floating-point tensors take part in differentiation: an
/// integer or bool tensor never requires grad.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    /// 32-bit IEEE floats (`Float`), the default for real values (`torch.float32`).
    case float32
    /// 64-bit IEEE floats (`Double`), for when float32's precision is not enough (`torch.float64`).
    case float64
    /// 64-bit signed integers (`Int64`): indices, counts, class labels (`torch.int64`).
    case int64
    /// Booleans (`Bool`): masks and comparison results (`torch.bool`).
    case bool

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .float32: 4
        case .float64, .int64: 8
        case .bool: 1
        }
    }

    /// Whether elements are real numbers that gradients can flow through.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The dtype's name: `float32`, `float64`, `int64` or `bool`.
    public var description: String { rawValue }

    /// Dense index for per-dtype tables.
    @inline(__always)
    var index: Int {
        switch self {
        case .float32: 0
        case .float64: 1
        case .int64: 2
        case .bool: 3
        }
    }

    /// bool < int64 < float; within floats the wider wins.
    var category: Int {
        switch self {
        case .bool: 0
        case .int64: 1
        case .float32, .float64: 2
        }
    }

    /// The dtype both operands of a binary op compute in (PyTorch's `promote_types`).
    public static func promoted(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a.category != b.category { return a.category > b.category ? a : b }
        return .float64  // the only mixed pair within one category
    }
}

/// A Swift type a tensor can hold: `Float`, `Double`, `Int64` or `Bool`.
public protocol TensorElement: Sendable {
    /// The dtype whose elements are this type.
    static var dtype: DType { get }
    /// The element as a `Double` (`true` is 1), exactly for integers up to 2^53.
    var doubleValue: Double { get }
    /// The element nearest `value` (for `Bool`, whether it is non-zero).
    init(converting value: Double)
}

/// An element type with arithmetic and order: every dtype but bool.
///
/// Integer arithmetic wraps on overflow, as PyTorch's does.
public protocol TensorNumeric: TensorElement, Comparable {
    /// 0 in this type, the start of sums.
    static var zeroValue: Self { get }
    /// 1 in this type, the start of products.
    static var oneValue: Self { get }
    /// `a + b`, wrapping on integer overflow (`&+`) rather than trapping.
    static func wrappingAdd(_ a: Self, _ b: Self) -> Self
    /// `a - b`, wrapping on integer overflow (`&-`).
    static func wrappingSubtract(_ a: Self, _ b: Self) -> Self
    /// `a * b`, wrapping on integer overflow (`&*`).
    static func wrappingMultiply(_ a: Self, _ b: Self) -> Self
    /// Whether the value is NaN (never, for integers): NaN wins comparisons in max and min.
    var isNaNValue: Bool { get }
    /// The sum of `count` contiguous elements (floats accumulate in blocks through
    /// Double, so sums of millions of float32 stay accurate; integers wrap).
    static func contiguousSum(_ p: UnsafePointer<Self>, count: Int) -> Self
}

/// A floating-point element: `Float` for `.float32`, `Double` for `.float64`.
///
/// Kernels are written once, generic over `TensorScalar`, and specialised per dtype.
public protocol TensorScalar: TensorNumeric, BinaryFloatingPoint, Real {
    /// C's `pow`, which PyTorch follows: negative bases with integral exponents, `0 ** 0 == 1`.
    static func cPow(_ x: Self, _ y: Self) -> Self
    /// C's `erf`, the error function.
    static func cErf(_ x: Self) -> Self
    /// C's `fmod`: the remainder with the sign of the dividend.
    static func cFmod(_ x: Self, _ y: Self) -> Self
    /// C's `atan2`.
    static func cAtan2(_ y: Self, _ x: Self) -> Self
    /// C's `rint`: round half to even, as `torch.round`.
    static func cRint(_ x: Self) -> Self
}

extension TensorScalar {
    /// 0.
    public static var zeroValue: Self { 0 }
    /// 1.
    public static var oneValue: Self { 1 }
    /// `a + b` (floats do not wrap; they round, and overflow to infinity).
    @inline(__always) public static func wrappingAdd(_ a: Self, _ b: Self) -> Self { a + b }
    /// `a - b`, in IEEE arithmetic.
    @inline(__always) public static func wrappingSubtract(_ a: Self, _ b: Self) -> Self { a - b }
    /// `a * b`, in IEEE arithmetic.
    @inline(__always) public static func wrappingMultiply(_ a: Self, _ b: Self) -> Self { a * b }
    /// Whether the value is NaN.
    @inline(__always) public var isNaNValue: Bool { isNaN }
    /// The sum of `count` contiguous elements, accumulated in blocks through `Double` so
    /// long float32 sums stay accurate.
    public static func contiguousSum(_ p: UnsafePointer<Self>, count: Int) -> Self {
        Self(ReductionKernels.sum(p, count: count))
    }
}

// Inside `extension Float` or `extension Double` an unqualified `pow` or `erf`
// resolves to RealModule's static members, whose `pow` is NaN for every negative
// base; the libm calls go through the file-scope wrappers at the end instead.
extension Float: TensorScalar {
    /// `.float32`.
    public static var dtype: DType { .float32 }
    /// The value as a `Double`, exactly.
    public var doubleValue: Double { Double(self) }
    /// `value`, rounded to the nearest `Float`.
    public init(converting value: Double) { self.init(value) }
    /// libm's `powf`: negative bases with integral exponents work, and `0 ** 0 == 1`.
    @inline(__always) public static func cPow(_ x: Float, _ y: Float) -> Float { cPowf(x, y) }
    /// libm's `erff`.
    @inline(__always) public static func cErf(_ x: Float) -> Float { cErff(x) }
    /// libm's `fmodf`: the remainder with the sign of `x`.
    @inline(__always) public static func cFmod(_ x: Float, _ y: Float) -> Float { cFmodf(x, y) }
    /// libm's `atan2f`: the angle of the point `(x, y)`, in (-π, π].
    @inline(__always) public static func cAtan2(_ y: Float, _ x: Float) -> Float { cAtan2f(y, x) }
    /// libm's `rintf`: rounds half to even in the default rounding mode.
    @inline(__always) public static func cRint(_ x: Float) -> Float { cRintf(x) }
}

extension Double: TensorScalar {
    /// `.float64`.
    public static var dtype: DType { .float64 }
    /// The value as a `Double`.
    public var doubleValue: Double { self }
    /// `value`, itself.
    public init(converting value: Double) { self = value }
    /// libm's `pow`: negative bases with integral exponents work, and `0 ** 0 == 1`.
    @inline(__always) public static func cPow(_ x: Double, _ y: Double) -> Double { cPowd(x, y) }
    /// libm's `erf`.
    @inline(__always) public static func cErf(_ x: Double) -> Double { cErfd(x) }
    /// libm's `fmod`: the remainder with the sign of `x`.
    @inline(__always) public static func cFmod(_ x: Double, _ y: Double) -> Double { cFmodd(x, y) }
    /// libm's `atan2`: the angle of the point `(x, y)`, in (-π, π].
    @inline(__always) public static func cAtan2(_ y: Double, _ x: Double) -> Double { cAtan2d(y, x) }
    /// libm's `rint`: rounds half to even in the default rounding mode.
    @inline(__always) public static func cRint(_ x: Double) -> Double { cRintd(x) }
}

extension Int64: TensorNumeric {
    /// `.int64`.
    public static var dtype: DType { .int64 }
    /// The value as a `Double`, exact up to 2⁵³ in magnitude.
    public var doubleValue: Double { Double(self) }
    /// Truncates toward zero, as a cast in C; values outside Int64's range saturate.
    public init(converting value: Double) {
        if value.isNaN { self = 0 } else if value >= 0x1p63 { self = .max } else if value < -0x1p63 { self = .min } else {
            self.init(value.rounded(.towardZero))
        }
    }
    /// 0.
    public static var zeroValue: Int64 { 0 }
    /// 1.
    public static var oneValue: Int64 { 1 }
    /// `a &+ b`: wraps on overflow, as PyTorch's integer arithmetic does.
    @inline(__always) public static func wrappingAdd(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    /// `a &- b`: wraps on overflow.
    @inline(__always) public static func wrappingSubtract(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
    /// `a &* b`: wraps on overflow.
    @inline(__always) public static func wrappingMultiply(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
    /// Always false: integers have no NaN.
    @inline(__always) public var isNaNValue: Bool { false }
    /// The wrapping sum of `count` contiguous elements.
    public static func contiguousSum(_ p: UnsafePointer<Int64>, count: Int) -> Int64 {
        var total: Int64 = 0
        for i in 0..<count { total &+= p[i] }
        return total
    }
}

extension Bool: TensorElement {
    /// `.bool`.
    public static var dtype: DType { .bool }
    /// 1 for true, 0 for false.
    public var doubleValue: Double { self ? 1 : 0 }
    /// Whether `value` is non-zero (NaN is non-zero, so true), as a cast to bool in PyTorch.
    public init(converting value: Double) { self = value != 0 }
}

// libm at file scope, where these names are C's functions.
@inline(__always) private func cPowf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@inline(__always) private func cErff(_ x: Float) -> Float { erff(x) }
@inline(__always) private func cFmodf(_ x: Float, _ y: Float) -> Float { fmodf(x, y) }
@inline(__always) private func cAtan2f(_ y: Float, _ x: Float) -> Float { atan2f(y, x) }
@inline(__always) private func cRintf(_ x: Float) -> Float { rintf(x) }
@inline(__always) private func cPowd(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) private func cErfd(_ x: Double) -> Double { erf(x) }
@inline(__always) private func cFmodd(_ x: Double, _ y: Double) -> Double { fmod(x, y) }
@inline(__always) private func cAtan2d(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
@inline(__always) private func cRintd(_ x: Double) -> Double { rint(x) }
