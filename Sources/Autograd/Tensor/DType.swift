#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RealModule

/// The element type of a tensor.
///
/// `float32` is the default, as in PyTorch.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32
    case float64

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .float32: 4
        case .float64: 8
        }
    }

    public var description: String { rawValue }

    /// Dense index for per-dtype tables.
    @inline(__always)
    var index: Int {
        switch self {
        case .float32: 0
        case .float64: 1
        }
    }
}

/// A Swift type that a tensor can hold: `Float` for `.float32`, `Double` for `.float64`.
///
/// Kernels are written once, generic over `TensorScalar`, and specialised per dtype.
public protocol TensorScalar: BinaryFloatingPoint, Real, Sendable {
    /// The dtype whose elements are this type.
    static var dtype: DType { get }
    /// C's `pow`, which PyTorch follows: negative bases with integral exponents, `0 ** 0 == 1`.
    static func cPow(_ x: Self, _ y: Self) -> Self
    /// C's `erf`, the error function.
    static func cErf(_ x: Self) -> Self
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    @inline(__always) public static func cPow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inline(__always) public static func cErf(_ x: Float) -> Float { erff(x) }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    @inline(__always) public static func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    @inline(__always) public static func cErf(_ x: Double) -> Double { erf(x) }
}
