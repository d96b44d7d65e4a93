import Autograd
import AutogradDistributed
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// W16: data-parallel training of W2's MLP (784-256-10, SGD) on a global batch of 256:
/// 2 ranks × 1 thread, each with 128 rows, against 1 process × 1 thread with all 256.
///
/// The parent runs two children: one process alone (`W16-single`), and `mpirun -np 2`
/// of this tool (`W16-ddp`), whose rank 0 reports. Both pin themselves to one thread
/// through the environment, before the libraries read it.
enum DataParallelBench {
    static let globalBatch = 256
    /// The environment every W16 child runs with: one thread per process.
    static let oneThread = ["AUTOGRAD_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"]

    /// The parent's part: both children, merged; without Open MPI, the single-process figure alone.
    static func run(quick: Bool, child: (String, [String: String]) throws -> [String: Double]) -> [String: Double] {
        var figures = (try? child("W16-single", oneThread)) ?? [:]
        if let mpirun = executable(named: "mpirun") {
            do {
                figures.merge(try underMPI(mpirun: mpirun, quick: quick)) { $1 }
            } catch {
                FileHandle.standardError.write(Data("W16: the 2-rank run failed: \(error)\n".utf8))
            }
        } else {
            FileHandle.standardError.write(Data("W16: mpirun is not on the PATH; the 2-rank figures are skipped\n".utf8))
        }
        if let ddp = figures["W16_ddp_2rank_ms"], let single = figures["W16_single_ms"] {
            figures["W16_ddp_per_single"] = ddp / single
        }
        return figures
    }

    /// Runs `mpirun -np 2 bench --only W16-ddp --json --child` and reads rank 0's JSON.
    static func underMPI(mpirun: String, quick: Bool) throws -> [String: Double] {
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") && !$0.key.hasPrefix("PMI_")
        }
        if geteuid() == 0 {
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        environment.merge(oneThread) { $1 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        // --oversubscribe: a CI machine may have a single core; each rank is one thread anyway.
        process.arguments = ["-np", "2", "--oversubscribe", me, "--only", "W16-ddp", "--json", "--child"]
            + (quick ? ["--quick"] : [])
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("mpirun exited with status \(process.terminationStatus)")
        }
        return try JSONSerialization.jsonObject(with: output) as? [String: Double] ?? [:]
    }

    /// The model, optimizer and a batch of `rows` rows: W2's.
    static func setUp(rows: Int, seed: UInt64) -> (Sequential, Tensor, Tensor) {
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Linear(784, 256, generator: &g), ReLU(), Linear(256, 10, generator: &g))
        var data = RandomGenerator(seed: seed)
        let x = Tensor.randn([rows, 784], using: &data)
        let labels = Tensor(shape: [rows], scalars: (0..<rows).map { _ in Int64(data.next() % 10) }, dtype: .int64)
        return (model, x, labels)
    }

    /// `W16-single`: one process, the whole global batch.
    static func single(quick: Bool) -> [String: Double] {
        let (model, x, labels) = setUp(rows: globalBatch, seed: 16)
        let optimizer = SGD(model.parameters(), learningRate: 0.01)
        let criterion = CrossEntropyLoss()
        let seconds = Measure.median(runs: quick ? 12 : 100, warmup: 5) {
            optimizer.zeroGrad()
            try! criterion(model(x), labels).backward()
            optimizer.step()
        }
        return ["W16_single_ms": seconds * 1e3]
    }

    /// `W16-ddp`: this rank's half of the batch through `DistributedDataParallel`, and the
    /// pieces that show how much of the communication backward hides.
    ///
    /// `W16_hidden_ms` is the forward and backward pass alone plus the all-reduce alone,
    /// minus the synchronized forward and backward pass: the communication that ran while
    /// backward did (negative when synchronizing costs more than the all-reduce itself).
    /// The MLP's 0.8 MB of gradients fill one default (25 MB) bucket, which can only start
    /// once backward is done; `W16_perparam_*` repeats the step and the
    /// synchronized pass with a bucket per parameter, whose first all-reduces start while
    /// backward still has the first layer's weight gradient to compute.
    static func replica(quick: Bool) throws -> [String: Double] {
        let group = try ProcessGroup.world
        let rows = globalBatch / group.worldSize
        let (model, x, labels) = setUp(rows: rows, seed: 16 + UInt64(group.rank))
        let ddp = try DistributedDataParallel(model, group: group)
        let optimizer = SGD(ddp.parameters(), learningRate: 0.01)
        let criterion = CrossEntropyLoss()
        let runs = quick ? 12 : 100
        var figures: [String: Double] = [:]

        // Every rank times the same number of steps; the all-reduces keep them in step.
        let step = try synchronizedMedian(group, runs: runs) {
            optimizer.zeroGrad()
            try criterion(ddp(x), labels).backward()
            optimizer.step()
        }
        // Forward and backward, with and without synchronization, and the all-reduce alone.
        let synchronized = try synchronizedMedian(group, runs: runs) {
            optimizer.zeroGrad()
            try criterion(ddp(x), labels).backward()
        }
        let local = try synchronizedMedian(group, runs: runs) {
            optimizer.zeroGrad()
            try ddp.withoutGradientSynchronization { try criterion(ddp(x), labels).backward() }
        }
        let everything = Tensor.zeros([model.parameters().reduce(0) { $0 + $1.scalarCount }])
        let allReduce = try synchronizedMedian(group, runs: runs) { try group.allReduce(everything) }

        // The same with a bucket per parameter, on a model of its own (hooks belong to parameters).
        let (other, _, _) = setUp(rows: rows, seed: 16 + UInt64(group.rank))
        let perParameter = try DistributedDataParallel(other, group: group, bucketCapacityBytes: 0)
        let otherOptimizer = SGD(perParameter.parameters(), learningRate: 0.01)
        let perParameterStep = try synchronizedMedian(group, runs: runs) {
            otherOptimizer.zeroGrad()
            try criterion(perParameter(x), labels).backward()
            otherOptimizer.step()
        }
        let perParameterSynchronized = try synchronizedMedian(group, runs: runs) {
            otherOptimizer.zeroGrad()
            try criterion(perParameter(x), labels).backward()
        }

        figures["W16_ddp_2rank_ms"] = step * 1e3
        figures["W16_fwd_bwd_local_ms"] = local * 1e3
        figures["W16_fwd_bwd_ddp_ms"] = synchronized * 1e3
        figures["W16_allreduce_ms"] = allReduce * 1e3
        figures["W16_hidden_ms"] = (local + allReduce - synchronized) * 1e3
        figures["W16_perparam_2rank_ms"] = perParameterStep * 1e3
        figures["W16_perparam_fwd_bwd_ms"] = perParameterSynchronized * 1e3
        figures["W16_perparam_hidden_ms"] = (local + allReduce - perParameterSynchronized) * 1e3
        return group.isRankZero ? figures : [:]
    }

    /// The median of `runs` timings of `body`, every rank starting each run together.
    static func synchronizedMedian(_ group: ProcessGroup, runs: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<5 { try body() }
        var times: [Double] = []
        for _ in 0..<runs {
            try group.barrier()
            times.append(try Measure.seconds(body))
        }
        // Rank 0 reports the slowest rank's median, as a step is only done when every rank is.
        let medians = try group.allGather(Tensor([times.sorted()[times.count / 2]], dtype: .float64))
        return medians.scalars.max() ?? 0
    }

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").lazy.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A benchmark that could not run, with why.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
