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
    let returnsStatus: Bool

    /// Prepares a call of `symbol`; nil when libffi refuses the signature.
    init?(symbol: UnsafeMutableRawPointer, arguments: [ArgumentType], returnsStatus: Bool) {
        argumentCount = arguments.count
        self.returnsStatus = returnsStatus
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
        let returnType = returnsStatus ? cffi_type_sint32() : cffi_type_void()
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
    /// status (0 for a function returning void).
    @inline(__always)
    func call(_ values: UnsafeMutablePointer<UnsafeMutableRawPointer?>) -> Int32 {
        // libffi widens an integer return to ffi_arg; the status is its low 32 bits.
        var result: ffi_arg = 0
        ffi_call(cif, function, &result, values)
        return returnsStatus ? Int32(truncatingIfNeeded: result) : 0
    }
}
