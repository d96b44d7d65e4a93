/// A value that can become a tensor: a scalar, or arrays of them nested to any depth.
///
/// `Tensor([[1.0], [2.0]])` reads the nesting as the shape `[2, 1]`.
public protocol TensorLiteral {
    /// The shape this value describes.
    var tensorShape: [Int] { get }
    /// Appends the scalars in row-major order.
    func appendScalars(to scalars: inout [Double])
}

extension Double: TensorLiteral {
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(self) }
}

extension Float: TensorLiteral {
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(Double(self)) }
}

extension Int: TensorLiteral {
    public var tensorShape: [Int] { [] }
    public func appendScalars(to scalars: inout [Double]) { scalars.append(Double(self)) }
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
}
