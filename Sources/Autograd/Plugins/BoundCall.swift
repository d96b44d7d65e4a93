#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CAutogradPlugin

/// A kernel call ready to run: the prepared libffi interface and, per argument,
/// how to compute its value from the call's tensors and attributes.
///
/// Tensors are passed by slot: the op's inputs first, then `out`, `grad_out`
/// and the gradient buffer the call fills (see `TensorSlots`).
final class BoundCall: Sendable {
    let ffi: FFICall
    let arguments: [BoundArgument]
    /// Per tensor slot, whether the call reads its layout (`ld`, `cblas_trans`)
    /// and so takes a BLAS-compatible strided view as is instead of a contiguous copy.
    let takesStridedMatrix: [Bool]
    /// The slot of the buffer the call fills (`out` or the gradient buffer).
    let bufferSlot: Int
    /// What that buffer holds before the call: nil (uninitialised), zeros, or a copy of the tensor in a slot.
    let bufferStart: BufferStart?
    /// The slot `bufferStart` copies, when it copies one.
    let bufferSource: Int?
    /// `act.softplus: float32 forward kernel act_softplus_f32 of plugin x.so`, for errors.
    let label: String
    let library: PluginLibrary
    /// Per tensor slot, how a guard-page report names its buffer (`input x`, `the output`).
    let slotNames: [String]
    let slots: TensorSlots

    init(ffi: FFICall, arguments: [BoundArgument], takesStridedMatrix: [Bool], bufferSlot: Int,
         bufferStart: BufferStart?, bufferSource: Int?, label: String, library: PluginLibrary, slotNames: [String],
         slots: TensorSlots) {
        self.ffi = ffi
        self.arguments = arguments
        self.takesStridedMatrix = takesStridedMatrix
        self.bufferSlot = bufferSlot
        self.bufferStart = bufferStart
        self.bufferSource = bufferSource
        self.label = label
        self.library = library
        self.slotNames = slotNames
        self.slots = slots
    }

    /// A call's input tensors (as the registry passes them: a list's tensors one
    /// after another) by input slot, each prepared: a list's first tensor in its
    /// slot (nil when it is empty), all of them in `lists`.
    func gathered(_ flat: [Tensor?]) -> (tensors: [Tensor?], lists: [Int: [Tensor]]) {
        var tensors: [Tensor?] = []
        tensors.reserveCapacity(slots.count)
        guard let list = slots.listInput else {
            for (slot, input) in flat.enumerated() { tensors.append(prepared(input, slot: slot)) }
            return (tensors, [:])
        }
        var lists: [Int: [Tensor]] = [:]
        for index in slots.inputs.indices {
            let range = slots.layout.slots(ofInput: index, count: flat.count)
            if index == list {
                let members = range.compactMap { flat[$0]?.contiguousData() }
                lists[index] = members
                tensors.append(members.first)
            } else {
                tensors.append(prepared(flat[range.lowerBound], slot: index))
            }
        }
        return (tensors, lists)
    }

    /// `tensor` as the kernel may read it: contiguous, or a BLAS-layout matrix where allowed.
    @inline(__always)
    func prepared(_ tensor: Tensor?, slot: Int) -> Tensor? {
        guard let tensor else { return nil }
        if slot < takesStridedMatrix.count, takesStridedMatrix[slot], MatrixLayout(tensor) != nil { return tensor }
        return tensor.contiguousData()
    }

    /// Starts the buffer as `init_out` says, computes every argument, makes the one
    /// `ffi_call`, and turns a non-zero status into an error.
    ///
    /// - Returns: the function's value, for a kernel declared to return one; else 0.
    @discardableResult
    func invoke(_ tensors: [Tensor?], lists: [Int: [Tensor]] = [:], attributes: Attributes) throws -> Double {
        if GuardedAllocation.isActive {
            for (slot, tensor) in zip(slotNames.indices, tensors) where tensor != nil && !slotNames[slot].isEmpty {
                GuardedAllocation.label(tensor!, as: slotNames[slot])
            }
            for (slot, members) in lists where !slotNames[slot].isEmpty {
                for (k, member) in members.enumerated() { GuardedAllocation.label(member, as: "\(slotNames[slot])[\(k)]") }
            }
        }
        if let bufferStart { try start(tensors[bufferSlot]!, as: bufferStart, tensors: tensors) }
        let count = Swift.max(arguments.count, 1)
        // String attributes and a list's arrays go to C as copies that live until the call returns.
        var temporaries: [UnsafeMutableRawPointer] = []
        defer { for temporary in temporaries { free(temporary) } }
        let (status, value) = try withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { slots in
            try withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: count) { values in
                let base = UnsafeMutableRawPointer(slots.baseAddress!)
                for i in arguments.indices {
                    let slot = base + i &* 8
                    try arguments[i].write(to: slot, tensors: tensors, lists: lists, attributes: attributes, label: label,
                                           temporaries: &temporaries)
                    values[i] = slot
                }
                return withExtendedLifetime((tensors, lists)) { ffi.call(values.baseAddress!) }
            }
        }
        if status != 0 {
            let name = String(cString: autograd_plugin_status_name(status))
            throw AutogradError(.plugin, "\(label) returned status \(status) (\(name))\(library.lastErrorSuffix())")
        }
        return value
    }

    /// Fills the (contiguous, freshly allocated) buffer with zeros or a copy of a same-sized tensor.
    private func start(_ buffer: Tensor, as start: BufferStart, tensors: [Tensor?]) throws {
        let bytes = buffer.scalarCount &* buffer.dtype.byteCount
        guard case .copy(let name) = start, let bufferSource else {
            buffer.unsafeRawPointer.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            return
        }
        guard let source = tensors[bufferSource]?.contiguousData() else {
            throw AutogradError(.plugin, "\(label): init_out '\(name)' is an optional input the call omitted")
        }
        guard source.shape == buffer.shape, source.dtype == buffer.dtype else {
            throw AutogradError(.plugin, """
                \(label): init_out '\(name)' is \(Shape.describe(source.shape)) \(source.dtype); the buffer it starts is \
                \(Shape.describe(buffer.shape)) \(buffer.dtype)
                """)
        }
        withExtendedLifetime(source) { buffer.unsafeRawPointer.copyMemory(from: source.unsafeRawPointer, byteCount: bytes) }
    }
}

/// Where each tensor sits in a call's tensor list: the inputs, the outputs, their
/// upstream gradients, and the gradient buffer a backward call fills.
struct TensorSlots {
    let inputs: [String]
    var outputCount = 1
    /// The input that is a list of tensors, if any: one slot here, and in a call
    /// as many consecutive tensors as the list has.
    var listInput: Int?

    func out(_ index: Int = 0) -> Int { inputs.count + index }
    func gradOut(_ index: Int = 0) -> Int { inputs.count + outputCount + index }
    var gradBuffer: Int { inputs.count + 2 * outputCount }
    var count: Int { gradBuffer + 1 }

    /// How a call's input tensors map to the manifest's inputs.
    var layout: InputLayout { InputLayout(declaredCount: inputs.count, listIndex: listInput) }

    /// How a guard-page report names the buffer of slot `slot`, called `name` in the manifest.
    func describe(slot: Int, named name: String) -> String {
        switch slot {
        case ..<inputs.count: "input \(name)"
        case ..<gradOut(): outputCount == 1 ? "the output" : "output \(name)"
        case ..<gradBuffer: "the upstream gradient \(name)"
        default: "the gradient \(name)"
        }
    }
}

/// How a 2-D tensor lies in memory as BLAS sees it: row-major with a leading
/// dimension, or the transpose of such a matrix. Nil for any other layout.
struct MatrixLayout {
    let isTransposed: Bool
    let leadingDimension: Int

    init?(_ t: Tensor) {
        guard t.rank == 2 else { return nil }
        let (rows, cols) = (t.shape[0], t.shape[1])
        let (rowStride, colStride) = (t.strides[0], t.strides[1])
        // Strides of size-1 dims are arbitrary; BLAS wants ld >= max(1, stored row length).
        if (cols <= 1 || colStride == 1) && (rows <= 1 || rowStride >= Swift.max(cols, 1)) {
            isTransposed = false
            leadingDimension = rows <= 1 ? Swift.max(cols, 1) : rowStride
        } else if (rows <= 1 || rowStride == 1) && (cols <= 1 || colStride >= Swift.max(rows, 1)) {
            isTransposed = true
            leadingDimension = cols <= 1 ? Swift.max(rows, 1) : colStride
        } else {
            return nil
        }
    }
}
