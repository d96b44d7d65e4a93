import Autograd
@testable import AutogradDistributed
import Foundation
import Testing

/// The world of one that a process started without `mpirun` gets: no MPI, every collective a no-op.
@Suite(.enabled(if: !LaunchEnvironment().isLaunched, "this test process was itself started by an MPI launcher"))
struct WorldOfOneTests {
    let group: ProcessGroup

    init() throws { group = try ProcessGroup.world }

    @Test func isRankZeroOfOneWithoutMPI() {
        #expect(group.rank == 0 && group.worldSize == 1 && group.isRankZero)
        #expect(!group.usesMPI)
        #expect(!MPIRuntime.isRunning, "MPI must not be initialised without a launcher")
    }

    @Test(arguments: [DType.float32, .float64])
    func allReduceLeavesTheTensorAsItWas(dtype: DType) throws {
        let x = Tensor([[1.5, -2.0], [3.25, 4.0]], dtype: dtype)
        try group.allReduce(x)
        #expect(x.scalars == [1.5, -2.0, 3.25, 4.0])
        try group.allReduce(x, operation: .average)
        #expect(x.scalars == [1.5, -2.0, 3.25, 4.0], "the average of one tensor is itself")
        let handle = try group.startAllReduce(x, operation: .average)
        #expect(try handle.isCompleted())
        try handle.wait()
        #expect(x.scalars == [1.5, -2.0, 3.25, 4.0])
    }

    @Test func broadcastFromRankZeroIsANoOpAndFromElsewhereThrows() throws {
        let x = Tensor([1.0, 2.0])
        try group.broadcast(x)
        #expect(x.scalars == [1, 2])
        let error = #expect(throws: DistributedError.self) { try group.broadcast(x, from: 1) }
        #expect(error?.kind == .invalidRank)
        #expect(error?.description == """
            broadcast: root rank 1 is outside the world of 1 (expected 0...0); tensor of shape [2] (float32)
            """)
    }

    @Test func allGatherStacksACopy() throws {
        let x = Tensor([[1.0, 2.0, 3.0]], dtype: .float64)
        let gathered = try group.allGather(x)
        #expect(gathered.shape == [1, 1, 3] && gathered.dtype == .float64)
        #expect(gathered.scalars == [1, 2, 3])
        try x.copy(from: Tensor([[7.0, 8.0, 9.0]], dtype: .float64))
        #expect(gathered.scalars == [1, 2, 3], "the result does not alias the input")
        #expect(try group.allGather(Tensor(5.0)).shape == [1])
        #expect(try group.allGather(Tensor.zeros([0, 4])).shape == [1, 0, 4])
    }

    @Test func barrierReturns() throws {
        try group.barrier()
    }

    /// Tensors are checked even with nothing to communicate, so a script that would fail under mpirun fails alone too.
    @Test func nonContiguousTensorsAreRejected() throws {
        let t = Tensor.zeros([3, 2], dtype: .float64).transposed(0, 1)
        let error = #expect(throws: DistributedError.self) { try group.allReduce(t) }
        #expect(error?.kind == .invalidTensor)
        #expect(error?.description == """
            allReduce: expected a contiguous tensor; got shape [2, 3] with strides [1, 2] (float64). Collectives \
            work in place on the tensor's buffer: pass `t.contiguous()` and copy the result back
            """)
        #expect(throws: DistributedError.self) { _ = try group.startAllReduce(t) }
        #expect(throws: DistributedError.self) { try group.broadcast(t) }
        #expect(throws: DistributedError.self) { _ = try group.allGather(t) }
    }

    @Test func saveCheckpointRunsTheSaveAndRethrowsItsError() throws {
        var saves = 0
        try group.saveCheckpoint { saves += 1 }
        #expect(saves == 1)
        struct DiskFull: Error {}
        #expect(throws: DiskFull.self) { try group.saveCheckpoint { throw DiskFull() } }
    }
}
