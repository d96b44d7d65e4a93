import Autograd
import CMPI

extension ProcessGroup {
    /// Combines `tensor` across all ranks, in place: afterwards every rank holds the sum (or average).
    ///
    /// ```swift
    /// let x = Tensor([Double(group.rank + 1)], dtype: .float64)
    /// try group.allReduce(x)                         // 1 + 2 + ... + worldSize on every rank
    /// try group.allReduce(grad, operation: .average)
    /// ```
    ///
    /// - Parameters:
    ///   - tensor: a contiguous float32 or float64 tensor, of the same shape and dtype on every rank.
    ///   - operation: `.sum` (the default) or `.average`.
    /// - Throws: `DistributedError` naming the shape and dtype when the tensor is not
    ///   contiguous or not float32/float64, or when MPI reports an error.
    public func allReduce(_ tensor: Tensor, operation: ReduceOperation = .sum) throws {
        let name = "allReduce"
        try checkAcrossRanks(tensor, operation: name)
        let buffer = try CollectiveBuffer(tensor, for: name, writes: true)
        guard usesMPI else { return }
        try withExtendedLifetime(tensor) {
            try MPIRuntime.check(
                MPI_Allreduce(cmpi_in_place(), buffer.address, buffer.count, buffer.datatype, cmpi_sum(), cmpi_comm_world()),
                operation: name, call: "MPI_Allreduce", context: "on a \(buffer.dtype) tensor of shape \(describe(tensor.shape))")
        }
        if operation == .average { buffer.divide(by: worldSize) }
    }

    /// Starts combining `tensor` across all ranks and returns at once; the handle's `wait()` finishes it.
    ///
    /// The collective is `MPI_Iallreduce` on the tensor's own buffer: until `wait()`
    /// returns, the tensor must be neither read nor written, and the handle keeps it
    /// alive. Several may be in flight at once; every rank must start them in the same
    /// order. Open MPI moves a non-blocking collective forward only inside MPI calls,
    /// so to overlap it with computation, call `isCompleted()` on any pending handle
    /// now and then (each call advances all of them).
    ///
    /// ```swift
    /// let pending = try group.startAllReduce(bucket, operation: .average)
    /// // ... more backward work, polling pending.isCompleted() between pieces ...
    /// try pending.wait()
    /// ```
    ///
    /// - Throws: `DistributedError`, as `allReduce`; errors MPI reports later come from `wait()`.
    public func startAllReduce(_ tensor: Tensor, operation: ReduceOperation = .sum) throws -> CollectiveHandle {
        let name = "allReduce"
        try checkAcrossRanks(tensor, operation: name)
        let buffer = try CollectiveBuffer(tensor, for: name, writes: true)
        guard usesMPI else { return CollectiveHandle(completedWith: tensor) }
        var request: MPI_Request? = cmpi_request_null()
        try MPIRuntime.check(
            MPI_Iallreduce(cmpi_in_place(), buffer.address, buffer.count, buffer.datatype, cmpi_sum(), cmpi_comm_world(),
                           &request),
            operation: name, call: "MPI_Iallreduce", context: "on a \(buffer.dtype) tensor of shape \(describe(tensor.shape))")
        return CollectiveHandle(request: request, tensor: tensor, buffer: buffer,
                                averageOver: operation == .average ? worldSize : nil)
    }

    /// Overwrites `tensor` on every rank with its value on rank `root`, in place.
    ///
    /// Data-parallel training broadcasts rank 0's initial parameters so every replica starts equal.
    ///
    /// - Parameters:
    ///   - tensor: a contiguous float32 or float64 tensor, of the same shape and dtype on every rank.
    ///   - root: the rank whose values are sent, in `0..<worldSize`.
    /// - Throws: `DistributedError` for a root outside the world, a tensor that cannot
    ///   take part, or an MPI error.
    public func broadcast(_ tensor: Tensor, from root: Int = 0) throws {
        let name = "broadcast"
        guard (0..<worldSize).contains(root) else {
            throw DistributedError(.invalidRank, operation: name, """
                root rank \(root) is outside the world of \(worldSize) (expected 0...\(worldSize - 1)); \
                tensor of shape \(describe(tensor.shape)) (\(tensor.dtype))
                """)
        }
        try checkAcrossRanks(tensor, operation: name)
        let buffer = try CollectiveBuffer(tensor, for: name, writes: rank != root)
        guard usesMPI else { return }
        try withExtendedLifetime(tensor) {
            try MPIRuntime.check(
                MPI_Bcast(buffer.address, buffer.count, buffer.datatype, Int32(root), cmpi_comm_world()),
                operation: name, call: "MPI_Bcast",
                context: "from rank \(root) on a \(buffer.dtype) tensor of shape \(describe(tensor.shape))")
        }
    }

    /// Every rank's `tensor`, stacked: a new tensor of shape `[worldSize] + tensor.shape` whose row `r` is rank `r`'s.
    ///
    /// PyTorch's `torch.stack(all_gather(...))`. The ranks first exchange shapes and
    /// dtypes, so a mismatch throws the same error on every rank instead of hanging.
    ///
    /// - Throws: `DistributedError` of kind `.mismatch` listing every rank's shape and
    ///   dtype when they differ, `.invalidTensor` (on the rank at fault; `.remote` on
    ///   the others) for a tensor that cannot take part, `.mpi` for an MPI error.
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        let name = "allGather"
        if usesMPI { try agreeOnTensors(tensor, operation: name) }
        let input = try CollectiveBuffer(tensor, for: name, writes: false)
        let gathered = Tensor.zeros([worldSize] + tensor.shape, dtype: tensor.dtype)
        let output = try CollectiveBuffer(gathered, for: name, writes: true)
        guard usesMPI else {
            if let source = input.address, let destination = output.address {
                destination.copyMemory(from: source, byteCount: tensor.scalarCount * tensor.dtype.byteCount)
            }
            return gathered
        }
        try withExtendedLifetime((tensor, gathered)) {
            try MPIRuntime.check(
                MPI_Allgather(input.address, input.count, input.datatype, output.address, input.count, input.datatype,
                              cmpi_comm_world()),
                operation: name, call: "MPI_Allgather", context: "on a \(input.dtype) tensor of shape \(describe(tensor.shape))")
        }
        return gathered
    }

    /// Returns once every rank has called `barrier()`.
    ///
    /// - Throws: `DistributedError` of kind `.mpi` when MPI reports an error.
    public func barrier() throws {
        guard usesMPI else { return }
        try MPIRuntime.check(MPI_Barrier(cmpi_comm_world()), operation: "barrier", call: "MPI_Barrier", context: "")
    }

    /// In debug mode (`AUTOGRAD_DISTRIBUTED_DEBUG=1`), the cross-rank shape and dtype check before a collective.
    private func checkAcrossRanks(_ tensor: Tensor, operation: String) throws {
        if checksConsistency && usesMPI { try agreeOnTensors(tensor, operation: operation) }
    }
}
