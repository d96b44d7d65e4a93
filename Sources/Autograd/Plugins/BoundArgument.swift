#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// One argument of a bound call: a term whose tensor names are resolved to slots.
struct BoundArgument: Sendable {
    enum Source: Sendable {
        case pointer(slot: Int)
        case numel(slot: Int)
        case dim(slot: Int, Int)
        case ndim(slot: Int)
        case leadingDimension(slot: Int)
        case cblasTranspose(slot: Int)
        case attribute(String)
        case integer(Int)
        case real(Double)
        /// Arithmetic whose leaves are the integer sources above.
        indirect case expression(SizeExpression<Source>)
    }

    let type: ArgumentType
    let source: Source
    /// The term as written, for errors.
    let text: String

    /// Stores this argument's value, in its C type, at `slot` (8 bytes).
    ///
    /// - Parameter strings: C copies of the string attributes passed so far, which
    ///   the caller frees after the call.
    @inline(__always)
    func write(to slot: UnsafeMutableRawPointer, tensors: [Tensor?], attributes: Attributes, label: String,
               strings: inout [UnsafeMutablePointer<CChar>]) throws {
        switch source {
        case .pointer(let i):
            // An omitted optional input is a null pointer.
            slot.storeBytes(of: tensors[i]?.unsafeRawPointer, as: UnsafeMutableRawPointer?.self)
        case .attribute(let name):
            switch attributes[name] {
            case .int(let v): try storeInteger(v, at: slot, label: label)
            case .bool(let v): try storeInteger(v ? 1 : 0, at: slot, label: label)
            case .double(let v): storeReal(v, at: slot)
            case .string(let v) where type == .ptr:
                guard let copy = strdup(v) else {
                    throw AutogradError(.allocation, "\(label): argument '\(abbreviated(text))': no memory for the string")
                }
                strings.append(copy)
                slot.storeBytes(of: UnsafeMutableRawPointer(copy), as: UnsafeMutableRawPointer.self)
            case .ints, .string, .absent:
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))': attribute '\(name)' has no value")
            }
        case .real(let v):
            storeReal(v, at: slot)
        default:
            try storeInteger(try integer(source, tensors: tensors, attributes: attributes, label: label), at: slot, label: label)
        }
    }

    /// The value of an integer source.
    private func integer(_ source: Source, tensors: [Tensor?], attributes: Attributes, label: String) throws -> Int {
        /// The tensor in `slot`, which a size of an omitted optional input cannot be read from.
        func given(_ slot: Int) throws -> Tensor {
            guard let t = tensors[slot] else {
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))' reads the size of an optional input the call omitted")
            }
            return t
        }
        switch source {
        case .numel(let i):
            return try given(i).scalarCount
        case .dim(let i, let d):
            let t = try given(i)
            guard t.rank > 0, let dim = Shape.normalize(dim: d, rank: t.rank) else {
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))': the tensor has shape \(Shape.describe(t.shape)), which has no dim \(d)")
            }
            return t.shape[dim]
        case .ndim(let i):
            return try given(i).rank
        case .leadingDimension(let i):
            return try layout(try given(i), label: label).leadingDimension
        case .cblasTranspose(let i):
            // CblasNoTrans and CblasTrans of cblas.h.
            return try layout(try given(i), label: label).isTransposed ? 112 : 111
        case .attribute(let name):
            switch attributes[name] {
            case .int(let v): return v
            case .bool(let v): return v ? 1 : 0
            case .double, .ints, .string, .absent:
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))': attribute '\(name)' has no integer value")
            }
        case .integer(let v):
            return v
        case .expression(let e):
            return try e.evaluate(value: { try integer($0, tensors: tensors, attributes: attributes, label: label) }) { reason, values in
                AutogradError(.plugin, "\(label): argument '\(abbreviated(text))' \(reason) (\(values))")
            }
        case .pointer, .real:
            preconditionFailure("binding admits only integer sources in integer arguments and expressions")
        }
    }

    private func layout(_ t: Tensor, label: String) throws -> MatrixLayout {
        guard let layout = MatrixLayout(t) else {
            throw AutogradError(.plugin, """
                \(label): argument '\(abbreviated(text))' needs a 2-D tensor; got shape \(Shape.describe(t.shape))
                """)
        }
        return layout
    }

    @inline(__always)
    private func storeInteger(_ v: Int, at slot: UnsafeMutableRawPointer, label: String) throws {
        switch type {
        case .i32:
            guard let narrow = Int32(exactly: v) else {
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))' is \(v), which does not fit in i32")
            }
            slot.storeBytes(of: narrow, as: Int32.self)
        case .i64: slot.storeBytes(of: Int64(v), as: Int64.self)
        case .f32: slot.storeBytes(of: Float(v), as: Float.self)
        case .f64: slot.storeBytes(of: Double(v), as: Double.self)
        case .ptr: preconditionFailure("binding admits only tensors as ptr arguments")
        }
    }

    @inline(__always)
    private func storeReal(_ v: Double, at slot: UnsafeMutableRawPointer) {
        switch type {
        case .f32: slot.storeBytes(of: Float(v), as: Float.self)
        case .f64: slot.storeBytes(of: v, as: Double.self)
        case .i32, .i64, .ptr: preconditionFailure("binding admits real values only as f32 and f64 arguments")
        }
    }
}
