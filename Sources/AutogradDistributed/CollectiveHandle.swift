import Autograd
import CMPI

/// A collective in flight, started by `ProcessGroup.startAllReduce`: wait on it before using the tensor.
///
/// The handle keeps the tensor alive while MPI works on its buffer. `wait()` blocks
/// until the collective is done (and, for `.average`, divides); `isCompleted()`
/// asks without blocking. A handle dropped before it finished waits for it in its
/// `deinit`, because MPI forbids abandoning a collective's request and the buffer
/// must outlive it; so the tensor always ends up holding the result.
///
/// Not `Sendable`: it owns a tensor, which is not. Start and finish a collective on
/// one task or thread.
public final class CollectiveHandle {
    /// The pending request; nil once the collective has finished and been finished off.
    private var request: MPI_Request?
    private let tensor: Tensor
    private let buffer: CollectiveBuffer?
    /// The world size to divide by once the sum is in, for `.average`.
    private let averageOver: Int?

    init(request: MPI_Request?, tensor: Tensor, buffer: CollectiveBuffer, averageOver: Int?) {
        self.request = request
        self.tensor = tensor
        self.buffer = buffer
        self.averageOver = averageOver
    }

    /// A handle with nothing to wait for: a world of one.
    init(completedWith tensor: Tensor) {
        self.request = nil
        self.tensor = tensor
        self.buffer = nil
        self.averageOver = nil
    }

    /// Blocks until the collective has finished on this rank; the tensor then holds the result.
    ///
    /// Calling it again returns at once.
    ///
    /// - Throws: `DistributedError` of kind `.mpi` when MPI reports an error.
    public func wait() throws {
        guard request != nil else { return }
        let code = MPI_Wait(&request, cmpi_status_ignore())
        try finish(code, call: "MPI_Wait")
    }

    /// Whether the collective has finished, without blocking (`MPI_Test`).
    ///
    /// Each call also advances every pending MPI operation of this process, which
    /// Open MPI otherwise does only inside MPI calls: calling this between pieces of
    /// work is what lets communication overlap computation. Once it returns true the
    /// tensor holds the result, as after `wait()`.
    ///
    /// - Throws: `DistributedError` of kind `.mpi` when MPI reports an error.
    public func isCompleted() throws -> Bool {
        guard request != nil else { return true }
        var flag: Int32 = 0
        let code = MPI_Test(&request, &flag, cmpi_status_ignore())
        if code == cmpi_success() && flag == 0 { return false }
        try finish(code, call: "MPI_Test")
        return true
    }

    /// Marks the collective done and applies the average's division, or throws MPI's error.
    private func finish(_ code: Int32, call: String) throws {
        request = nil
        try MPIRuntime.check(code, operation: "allReduce", call: call,
                             context: "on a \(tensor.dtype) tensor of shape \(describe(tensor.shape))")
        if let averageOver, let buffer { buffer.divide(by: averageOver) }
    }

    deinit {
        if request != nil { try? wait() }
    }
}
