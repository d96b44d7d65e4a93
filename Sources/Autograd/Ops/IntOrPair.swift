/// A size given once for both spatial dims (`3`) or per dim (`[3, 5]`): the
/// `kernel_size`, `stride` and `padding` of PyTorch's 2-d layers and functions,
/// which take an int or a tuple.
///
/// ```swift
/// Conv2d(1, 16, 3, padding: 1)              // nn.Conv2d(1, 16, 3, padding=1)
/// Conv2d(1, 16, [3, 5], stride: [2, 1])     // nn.Conv2d(1, 16, (3, 5), stride=(2, 1))
/// ```
public struct IntOrPair: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// The value for the first spatial dim (the height).
    public let first: Int
    /// The value for the second spatial dim (the width).
    public let second: Int

    /// The same value for both dims.
    public init(_ value: Int) {
        first = value
        second = value
    }

    /// One value per dim: height, then width.
    public init(_ first: Int, _ second: Int) {
        self.first = first
        self.second = second
    }

    /// The same value for both dims, from a literal: `stride: 2` is `IntOrPair(2)`.
    ///
    /// - Parameter value: the size for both the height and the width.
    public init(integerLiteral value: Int) { self.init(value) }

    /// `[h, w]`, or `[v]` for both.
    ///
    /// - Precondition: one or two values.
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 1 || elements.count == 2,
                     "IntOrPair takes one value or two (height, width), got \(elements)")
        self.init(elements[0], elements[elements.count - 1])
    }

    /// The two values, as an int-list attribute takes them.
    public var values: [Int] { [first, second] }

    /// `3` when both dims are equal, else `[3, 5]` (height, width).
    public var description: String { first == second ? "\(first)" : "[\(first), \(second)]" }
}
