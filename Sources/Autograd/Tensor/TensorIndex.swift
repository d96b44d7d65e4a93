/// One entry of a tensor subscript, as PyTorch and NumPy read it.
///
/// Entries are written as Swift values (see `TensorIndexConvertible`):
///
/// | PyTorch | swift-autograd |
/// |---|---|
/// | `x[0]`, `x[-1]` | `x[0]`, `x[-1]` |
/// | `x[1:3]`, `x[1:]`, `x[:2]`, `x[:4]` | `x[1..<3]`, `x[1...]`, `x[..<2]`, `x[...3]` |
/// | `x[:, 0]`, `x[..., 0]` | `x[.all, 0]` (or `x[0..., 0]`), `x[.ellipsis, 0]` |
/// | `x[1::2]`, `x[::2]`, `x[1:7:3]` | `x[.strided(from: 1, by: 2)]`, `x[.strided(by: 2)]`, `x[.strided(from: 1, to: 7, by: 3)]` |
/// | `x[None]`, `x[:, None]` | `x[.newAxis]`, `x[.all, .newAxis]` |
/// | `x[mask]`, `x[indices]` | `x[mask]` (bool tensor), `x[indices]` (int64 tensor) |
public struct TensorIndex {
    enum Kind {
        /// One position of a dim, which the result drops; negative counts from the end.
        case position(Int)
        /// The positions `start`, `start + step`, ... before `end` (nil: the dim's ends);
        /// negative bounds count from the end and bounds outside the dim clamp, as in Python.
        case slice(start: Int?, end: Int?, step: Int)
        /// As many whole dims as the other entries leave (`...` in Python).
        case ellipsis
        /// A new dim of size 1 (`None` in PyTorch).
        case newAxis
        /// An int64 tensor of positions, or a bool mask over one or more dims.
        case tensor(Tensor)
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }
}

/// A value that can stand in a tensor subscript: `Int`, the range types of `Int`,
/// an int64 or bool `Tensor`, or one of `.all`, `.ellipsis`, `.newAxis`, `.strided(from:to:by:)`.
public protocol TensorIndexConvertible {
    /// The entry this value stands for.
    var tensorIndex: TensorIndex { get }
}

extension TensorIndex: TensorIndexConvertible {
    /// The entry itself.
    public var tensorIndex: TensorIndex { self }
}

// The names below are visible unqualified inside every conforming type (Int, the
// ranges, Tensor), so none of them may be a global function's name: a static
// `stride` would hide `Swift.stride(from:to:by:)` in an `extension Int`.
extension TensorIndexConvertible where Self == TensorIndex {
    /// Every position of a dim (`:` in Python).
    public static var all: TensorIndex { TensorIndex(.slice(start: nil, end: nil, step: 1)) }

    /// As many whole dims as the other entries leave (`...`).
    public static var ellipsis: TensorIndex { TensorIndex(.ellipsis) }

    /// A new dim of size 1 (`None`).
    public static var newAxis: TensorIndex { TensorIndex(.newAxis) }

    /// Every `step`-th position from `start` up to, not including, `end`
    /// (`start:end:step` in Python; nil bounds are the dim's ends). `step` is positive, as in PyTorch.
    public static func strided(from start: Int? = nil, to end: Int? = nil, by step: Int) -> TensorIndex {
        TensorIndex(.slice(start: start, end: end, step: step))
    }
}

extension Int: TensorIndexConvertible {
    /// One position (`x[2]`, `x[-1]`): the dim is dropped.
    public var tensorIndex: TensorIndex { TensorIndex(.position(self)) }
}

extension Range: TensorIndexConvertible where Bound == Int {
    /// The positions in the range (`x[1..<3]`, Python's `x[1:3]`).
    public var tensorIndex: TensorIndex { TensorIndex(.slice(start: lowerBound, end: upperBound, step: 1)) }
}

extension ClosedRange: TensorIndexConvertible where Bound == Int {
    /// The positions in the range, its upper bound included (`x[1...3]`, Python's `x[1:4]`).
    public var tensorIndex: TensorIndex { TensorIndex(.slice(start: lowerBound, end: TensorIndex.end(through: upperBound), step: 1)) }
}

extension PartialRangeFrom: TensorIndexConvertible where Bound == Int {
    /// The positions from the bound on (`x[1...]`, Python's `x[1:]`).
    public var tensorIndex: TensorIndex { TensorIndex(.slice(start: lowerBound, end: nil, step: 1)) }
}

extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int {
    /// The positions before the bound (`x[..<2]`, Python's `x[:2]`).
    public var tensorIndex: TensorIndex { TensorIndex(.slice(start: nil, end: upperBound, step: 1)) }
}

extension PartialRangeThrough: TensorIndexConvertible where Bound == Int {
    /// The positions up to the bound, included (`x[...2]`, Python's `x[:3]`; `x[...(-1)]` is all of them).
    public var tensorIndex: TensorIndex { TensorIndex(.slice(start: nil, end: TensorIndex.end(through: upperBound), step: 1)) }
}

extension Tensor: TensorIndexConvertible {
    /// Positions (int64) or a mask (bool), as in `x[indices]` and `x[mask]`.
    public var tensorIndex: TensorIndex { TensorIndex(.tensor(self)) }
}

extension TensorIndex {
    /// The exclusive end of a range through `last`: `...(-1)` reaches the end of
    /// the dim, which `-1 + 1 = 0` would not.
    static func end(through last: Int) -> Int? { last == -1 ? nil : last + 1 }

    /// How many dims of the indexed tensor this entry reads.
    var consumedDims: Int {
        switch kind {
        case .position, .slice: 1
        case .ellipsis, .newAxis: 0
        case .tensor(let t): t.dtype == .bool ? t.rank : 1
        }
    }
}
