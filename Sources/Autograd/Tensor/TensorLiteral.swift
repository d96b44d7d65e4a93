/// A value that can become a tensor: a scalar, or arrays of them nested to any depth.
///
/// `Tensor([[1.0], [2.0]])` reads the nesting as the shape `[2, 1]`; the element
/// type picks the dtype, as `torch.tensor` does: `Double` and `Float` give float32,
/// `Int` gives int64, `Bool` gives bool.
public protocol TensorLiteral {
    /// The shape this value describes.
    var tensorShape: [Int] { get }
    /// Appends the scalars in row-major order.
    func appendScalars(to scalars: inout [Double])
    /// The dtype of a tensor made from such values when none is asked for.
    static var literalDType: DType { get }
}

extension Double: TensorLiteral {
    /// `[]`: a scalar is a 0-d tensor.
    public var tensorShape: [Int] { [] }
    /// Appends the value itself.
    public func appendScalars(to scalars: inout [Double]) { scalars.append(self) }
    /// `.float32`, as `torch.tensor(1.0)` is float32 (PyTorch's default dtype).
    public static var literalDType: DType { .float32 }
}

extension Float: TensorLiteral {
    /// `[]`: a scalar is a 0-d tensor.
    public var tensorShape: [Int] { [] }
    /// Appends the value, widened to `Double`.
    public func appendScalars(to scalars: inout [Double]) { scalars.append(Double(self)) }
    /// `.float32`, as for `Double`.
    public static var literalDType: DType { .float32 }
}

extension Int: TensorLiteral {
    /// `[]`: a scalar is a 0-d tensor.
    public var tensorShape: [Int] { [] }
    /// Appends the value as a `Double`.
    public func appendScalars(to scalars: inout [Double]) { scalars.append(Double(self)) }
    /// `.int64`.
    public static var literalDType: DType { .int64 }
}

extension Bool: TensorLiteral {
    /// `[]`: a scalar is a 0-d tensor.
    public var tensorShape: [Int] { [] }
    /// Appends 1 for true, 0 for false.
    public func appendScalars(to scalars: inout [Double]) { scalars.append(self ? 1 : 0) }
    /// `.bool`.
    public static var literalDType: DType { .bool }
}

extension Array: TensorLiteral where Element: TensorLiteral {
    /// The array's length, then its first element's shape: `[[1, 2], [3, 4]]` is `[2, 2]`.
    public var tensorShape: [Int] { [count] + (first?.tensorShape ?? []) }

    /// Appends each element's scalars in order; traps on a ragged array, whose elements
    /// differ in shape.
    public func appendScalars(to scalars: inout [Double]) {
        let inner = first?.tensorShape ?? []
        for element in self {
            precondition(element.tensorShape == inner, """
                ragged nested array: an element has shape \(Shape.describe(element.tensorShape)), \
                expected \(Shape.describe(inner)) like the first
                """)
            element.appendScalars(to: &scalars)
        }
    }

    /// The dtype of the innermost elements.
    public static var literalDType: DType { Element.literalDType }
}
