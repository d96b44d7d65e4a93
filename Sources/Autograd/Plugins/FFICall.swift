import CFFI

/// A C function and the libffi call interface prepared for it once, at load time.
///
/// Calls only read the interface, so one instance serves concurrent calls.
final class FFICall: @unchecked Sendable {
    private let cif: UnsafeMutablePointer<ffi_cif>
    /// libffi keeps a pointer to this array: it must live as long as `cif`.
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>
    private let function: @convention(c) () -> Void
    let argumentCount: Int
    let returns: CallReturn

    /// Prepares a call of `symbol`; nil when libffi refuses the signature.
    init?(symbol: UnsafeMutableRawPointer, arguments: [ArgumentType], returns: CallReturn) {
        argumentCount = arguments.count
        self.returns = returns
        function = unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
        argumentTypes = .allocate(capacity: Swift.max(arguments.count, 1))
        for (i, type) in arguments.enumerated() {
            argumentTypes[i] = switch type {
            case .ptr: cffi_type_pointer()
            case .i32: cffi_type_sint32()
            case .i64: cffi_type_sint64()
            case .f32: cffi_type_float()
            case .f64: cffi_type_double()
            }
        }
        cif = .allocate(capacity: 1)
        let returnType = switch returns {
        case .void: cffi_type_void()
        case .status: cffi_type_sint32()
        case .value(let type): type == .f32 ? cffi_type_float() : cffi_type_double()
        }
        guard ffi_prep_cif(cif, cffi_default_abi(), UInt32(arguments.count), returnType, argumentTypes) == FFI_OK else {
            cif.deallocate()
            argumentTypes.deallocate()
            return nil
        }
    }

    deinit {
        cif.deallocate()
        argumentTypes.deallocate()
    }

    /// Calls the function with `values[i]` pointing at argument i; returns its
    /// status (0 for a function returning void or a value) and its value (0 unless it returns one).
    @inline(__always)
    func call(_ values: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> (status: Int32, value: Double) {
        // libffi widens an integer return to ffi_arg (the status is its low 32 bits) and
        // stores a float or double return at the start of the same 8 bytes.
        var result: ffi_arg = 0
        ffi_call(cif, function, &result, values)
        return switch returns {
        case .void: (0, 0)
        case .status: (Int32(truncatingIfNeeded: result), 0)
        case .value(let type):
            withUnsafeBytes(of: &result) { (0, type == .f32 ? Double($0.load(as: Float.self)) : $0.load(as: Double.self)) }
        }
    }
}
