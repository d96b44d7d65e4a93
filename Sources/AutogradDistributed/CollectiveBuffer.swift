import Autograd
import CMPI

/// A tensor's contiguous data as an MPI buffer: address, element count and datatype.
///
/// Collectives work in place on the tensor's own storage, so the tensor must be
/// contiguous and of a dtype MPI can sum: float32 or float64.
struct CollectiveBuffer {
    let address: UnsafeMutableRawPointer?
    let count: Int32
    let datatype: MPI_Datatype
    let dtype: DType

    /// The buffer of `tensor`, or an error naming `operation` when it cannot take part.
    ///
    /// - Parameters:
    ///   - tensor: the tensor the collective reads or writes.
    ///   - operation: the collective's name, for errors.
    ///   - writes: whether the collective writes the tensor (bumping its
    ///     version, so a graph that saved it refuses to backpropagate through stale data).
    ///
    /// The address outlives the closure it is read in: a tensor's storage is one heap
    /// allocation that stays put while the tensor lives, and every caller keeps the
    /// tensor alive until MPI is done with the buffer (a `CollectiveHandle` holds it).
    init(_ tensor: Tensor, for operation: String, writes: Bool) throws {
        if let problem = TensorProblem(tensor) {
            throw DistributedError(.invalidTensor, operation: operation, problem.message(for: tensor))
        }
        count = Int32(tensor.scalarCount)
        dtype = tensor.dtype
        datatype = tensor.dtype == .float32 ? cmpi_float() : cmpi_double()
        if tensor.scalarCount == 0 {
            // Nothing to read or write (and the layout of an empty tensor is not checked).
            address = nil
        } else if tensor.dtype == .float32 {
            address = Self.address(of: tensor, as: Float.self, writes: writes)
        } else {
            address = Self.address(of: tensor, as: Double.self, writes: writes)
        }
    }

    private static func address<T: TensorScalar>(of tensor: Tensor, as type: T.Type, writes: Bool) -> UnsafeMutableRawPointer? {
        if writes {
            return tensor.withUnsafeMutableBufferPointer(as: type) { UnsafeMutableRawPointer($0.baseAddress) }
        }
        return tensor.withUnsafeBufferPointer(as: type) { UnsafeMutableRawPointer(mutating: $0.baseAddress) }
    }

    /// Divides every element by `divisor`: the second half of an average.
    func divide(by divisor: Int) {
        guard divisor != 1, let address else { return }
        let n = Int(count)
        if dtype == .float32 {
            let p = address.assumingMemoryBound(to: Float.self), d = Float(divisor)
            for i in 0..<n { p[i] /= d }
        } else {
            let p = address.assumingMemoryBound(to: Double.self), d = Double(divisor)
            for i in 0..<n { p[i] /= d }
        }
    }
}

/// Why a tensor cannot take part in a collective; its code crosses ranks in the consistency checks.
enum TensorProblem: Int64 {
    case unsupportedDType = 1
    case notContiguous = 2
    case tooLarge = 3

    /// The problem with `tensor`, or nil when it can take part.
    init?(_ tensor: Tensor) {
        // Not a switch over DType: more dtypes (int64, bool) are coming, and none of them sums here.
        if tensor.dtype != .float32 && tensor.dtype != .float64 {
            self = .unsupportedDType
        } else if tensor.scalarCount > 0 && !tensor.isContiguous {
            // Autograd's `isContiguous` calls some empty tensors ([2, 0]) strided; they hold no data to lay out.
            self = .notContiguous
        } else if tensor.scalarCount > Int(Int32.max) {
            self = .tooLarge
        } else {
            return nil
        }
    }

    /// What is wrong and what was expected, for the tensor on this rank.
    func message(for tensor: Tensor) -> String {
        message(shape: tensor.shape, dtype: tensor.dtype, strides: tensor.strides)
    }

    /// What is wrong and what was expected, from a tensor's description (possibly another rank's).
    func message(shape: [Int], dtype: DType?, strides: [Int]? = nil) -> String {
        let dtypeName = dtype.map { "\($0)" } ?? "unknown dtype"
        switch self {
        case .unsupportedDType:
            return "expected a float32 or float64 tensor; got \(dtypeName) of shape \(describe(shape))"
        case .notContiguous:
            let layout = strides.map { " with strides \(describe($0))" } ?? ""
            return """
                expected a contiguous tensor; got shape \(describe(shape))\(layout) (\(dtypeName)). \
                Collectives work in place on the tensor's buffer: pass `t.contiguous()` and copy the result back
                """
        case .tooLarge:
            return """
                expected at most \(Int32.max) elements (MPI counts are 32-bit); got shape \(describe(shape)) \
                (\(shape.reduce(1, *)) elements, \(dtypeName)). Split the tensor
                """
        }
    }
}

/// PyTorch-style shape text, `[3, 2]`, shared by every message of this module.
func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
