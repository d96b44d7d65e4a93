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
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(self) }
    public static var literalDType: DType { .float32 }
}

extension Float: TensorLiteral {
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(Double(self)) }
    public static var literalDType: DType { .float32 }
}

extension Int: TensorLiteral {
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(Double(self)) }
    public static var literalDType: DType { .int64 }
}

extension Bool: TensorLiteral {
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(self ? 1 : 0) }
    public static var literalDType: DType { .bool }
}

extension Array: TensorLiteral where Element: TensorLiteral {
    public var tensorShape: [Int] { [count] + (first?.tensorShape ?? []) }

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

    public static var literalDType: DType { Element.literalDType }
}
