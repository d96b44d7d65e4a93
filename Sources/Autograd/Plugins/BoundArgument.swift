#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// One argument of a bound call: a term whose tensor names are resolved to slots.
struct BoundArgument: Sendable {
    enum Source: Sendable {
        /// A tensor's data pointer; of a list, an array of them.
        case pointer(slot: Int)
        /// A tensor's element count; of a list, all its tensors'.
        case numel(slot: Int)
        /// A list's number of tensors.
        case count(slot: Int)
        /// A list's element counts, an array of int64.
        case numels(slot: Int)
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
    /// - Parameters:
    ///   - lists: the tensors of the slots that hold lists (`tensors` has their first).
    ///   - temporaries: memory passed so far (string copies, a list's arrays), which
    ///     the caller frees after the call.
    @inline(__always)
    func write(to slot: UnsafeMutableRawPointer, tensors: [Tensor?], lists: [Int: [Tensor]], attributes: Attributes,
               label: String, temporaries: inout [UnsafeMutableRawPointer]) throws {
        switch source {
        case .pointer(let i):
            if let members = lists[i] {
                let array = try temporary(members.count, label: label, temporaries: &temporaries)
                for (k, member) in members.enumerated() {
                    array.storeBytes(of: member.unsafeRawPointer, toByteOffset: k &* 8, as: UnsafeMutableRawPointer.self)
                }
                slot.storeBytes(of: array, as: UnsafeMutableRawPointer.self)
                return
            }
            // An omitted optional input is a null pointer.
            slot.storeBytes(of: tensors[i]?.unsafeRawPointer, as: UnsafeMutableRawPointer?.self)
        case .numels(let i):
            let members = lists[i] ?? []
            let array = try temporary(members.count, label: label, temporaries: &temporaries)
            for (k, member) in members.enumerated() {
                array.storeBytes(of: Int64(member.scalarCount), toByteOffset: k &* 8, as: Int64.self)
            }
            slot.storeBytes(of: array, as: UnsafeMutableRawPointer.self)
        case .attribute(let name):
            switch attributes[name] {
            case .int(let v): try storeInteger(v, at: slot, label: label)
            case .bool(let v): try storeInteger(v ? 1 : 0, at: slot, label: label)
            case .double(let v): storeReal(v, at: slot)
            case .string(let v) where type == .ptr:
                guard let copy = strdup(v) else {
                    throw AutogradError(.allocation, "\(label): argument '\(abbreviated(text))': no memory for the string")
                }
                temporaries.append(UnsafeMutableRawPointer(copy))
                slot.storeBytes(of: UnsafeMutableRawPointer(copy), as: UnsafeMutableRawPointer.self)
            case .ints, .string, .absent:
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))': attribute '\(name)' has no value")
            }
        case .real(let v):
            storeReal(v, at: slot)
        default:
            try storeInteger(try integer(source, tensors: tensors, lists: lists, attributes: attributes, label: label),
                             at: slot, label: label)
        }
    }

    /// An array of `count` 8-byte values that lives until the call returns.
    private func temporary(_ count: Int, label: String, temporaries: inout [UnsafeMutableRawPointer]) throws -> UnsafeMutableRawPointer {
        guard let array = malloc(Swift.max(count, 1) &* 8) else {
            throw AutogradError(.allocation, "\(label): argument '\(abbreviated(text))': no memory for an array of \(count)")
        }
        temporaries.append(array)
        return array
    }

    /// The value of an integer source.
    private func integer(_ source: Source, tensors: [Tensor?], lists: [Int: [Tensor]], attributes: Attributes,
                         label: String) throws -> Int {
        /// The tensor in `slot` (a list's first), which a size of an omitted optional
        /// input or of an empty list cannot be read from.
        func given(_ slot: Int) throws -> Tensor {
            guard let t = tensors[slot] else {
                let what = lists[slot] != nil ? "the first tensor of a list the call left empty" : "an optional input the call omitted"
                throw AutogradError(.plugin, "\(label): argument '\(abbreviated(text))' reads the size of \(what)")
            }
            return t
        }
        switch source {
        case .numel(let i):
            if let members = lists[i] { return members.reduce(0) { $0 &+ $1.scalarCount } }
            return try given(i).scalarCount
        case .count(let i):
            return lists[i]?.count ?? 1
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
            return try e.evaluate(value: { try integer($0, tensors: tensors, lists: lists, attributes: attributes, label: label) }) {
                reason, values in
                AutogradError(.plugin, "\(label): argument '\(abbreviated(text))' \(reason) (\(values))")
            }
        case .pointer, .numels, .real:
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
