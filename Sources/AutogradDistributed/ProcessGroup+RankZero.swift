import Autograd
import CMPI
import Foundation

extension ProcessGroup {
    /// Prints `message` on rank 0 only, and flushes it at once.
    ///
    /// Under `mpirun` standard output is a pipe, which the C library buffers, so
    /// lines would otherwise arrive late and out of step with other ranks' errors.
    /// The message is not even built on other ranks.
    ///
    /// ```swift
    /// group.log("epoch \(epoch): loss \(loss)")
    /// ```
    public func log(_ message: @autoclosure () -> String) {
        guard isRankZero else { return }
        print(message())
        fflush(nil)
    }

    /// Runs `save` on rank 0 only; every rank returns once it has finished.
    ///
    /// The other ranks wait for rank 0's outcome, so after this returns a checkpoint
    /// file is complete for whoever reads it next. When `save` throws on rank 0, every
    /// rank throws (rank 0 its own error, the others a `.remote` `DistributedError`
    /// carrying its message) instead of the others waiting for ever.
    ///
    /// ```swift
    /// try group.saveCheckpoint { try model.saveStateDict(to: url) }
    /// ```
    public func saveCheckpoint(_ save: () throws -> Void) throws {
        let name = "saveCheckpoint"
        var failure: (any Error)?
        if isRankZero {
            do { try save() } catch { failure = error }
        }
        guard usesMPI else {
            if let failure { throw failure }
            return
        }
        // An empty message means success; sending it doubles as the barrier.
        let outcome = try broadcastText(failure.map { "\($0)" } ?? "", operation: name)
        if let failure { throw failure }
        if !outcome.isEmpty {
            throw DistributedError(.remote, operation: name, "rank 0 failed to save the checkpoint: \(outcome)")
        }
    }

    /// Saves `module`'s state dict (parameters and buffers, see `saveStateDict(to:metadata:)`)
    /// to `url` (safetensors) on rank 0 only; every rank returns once the file is written.
    ///
    /// - Throws: on every rank, when rank 0 could not write the file (see `saveCheckpoint(_:)`).
    public func saveCheckpoint(_ module: some Module, to url: URL, metadata: [String: String] = [:]) throws {
        try saveCheckpoint { try module.saveStateDict(to: url, metadata: metadata) }
    }

    /// Rank 0's `text` on every rank: its length, then its bytes.
    private func broadcastText(_ text: String, operation: String) throws -> String {
        var length = Int64(text.utf8.count)
        try MPIRuntime.check(MPI_Bcast(&length, 1, cmpi_int64(), 0, cmpi_comm_world()),
                             operation: operation, call: "MPI_Bcast", context: "sending rank 0's outcome")
        guard length > 0 else { return "" }
        var bytes = isRankZero ? Array(text.utf8) : [UInt8](repeating: 0, count: Int(length))
        try MPIRuntime.check(MPI_Bcast(&bytes, Int32(length), cmpi_byte(), 0, cmpi_comm_world()),
                             operation: operation, call: "MPI_Bcast", context: "sending rank 0's outcome")
        return String(decoding: bytes, as: UTF8.self)
    }
}
