import Autograd

/// The all-reduce of one model's gradients during backward: the engine of `DistributedDataParallel`.
///
/// Per backward pass: each parameter's post-accumulate-grad hook copies its
/// gradient into its bucket; a full bucket starts its all-reduce, provided every
/// bucket before it has started (so every rank starts them in the same order, as
/// MPI requires, whatever order its hooks fire in); each hook also polls the
/// all-reduces in flight, which is what moves them forward in Open MPI. At the end
/// of the pass, `finish()` fills the slots of parameters the pass did not reach
/// with zeros, starts what has not started, waits for everything and writes the
/// averages back.
///
/// The last bucket in launch order (the model's first parameters, whose gradients
/// backward computes last) is not started from a hook: `finish()` reduces it with
/// the blocking all-reduce, which Open MPI runs faster than its non-blocking one,
/// and by then there is no backward work left for it to overlap. The rule depends
/// only on the bucket's position, so every rank uses the same call for each bucket
/// (a blocking collective does not match a non-blocking one).
final class GradientReducer {
    let group: ProcessGroup
    let buckets: [GradientBucket]
    /// Per parameter (in `parameters()` order): its bucket and its index there.
    let places: [(bucket: Int, index: Int)]
    /// The next bucket to start; buckets start strictly in order.
    private var nextBucket = 0
    /// All-reduces in flight, oldest first.
    private var inFlight: [CollectiveHandle] = []
    /// Whether `finish()` is queued to run at the end of the current backward pass.
    private(set) var isFinishQueued = false
    /// Set when a backward pass failed after its hooks ran, leaving buckets half done.
    private(set) var abandonedPass = false
    /// While false, hooks do nothing: gradients accumulate locally (`withoutGradientSynchronization`).
    var synchronizes = true
    /// How many buckets started from hooks (rather than in `finish()`) since construction.
    private(set) var bucketsStartedDuringBackward = 0

    init(group: ProcessGroup, parameters: [Tensor], bucketCapacityBytes: Int) {
        self.group = group
        let assignment = Self.assignBuckets(parameters, capacityBytes: bucketCapacityBytes)
        buckets = assignment.map { GradientBucket(parameters: $0.map { parameters[$0] }) }
        var places = Array(repeating: (bucket: 0, index: 0), count: parameters.count)
        for (b, members) in assignment.enumerated() {
            for (i, p) in members.enumerated() { places[p] = (b, i) }
        }
        self.places = places
    }

    /// Groups parameter indices into buckets as PyTorch does: in reverse order (the
    /// order backward tends to produce gradients in), one open bucket per dtype,
    /// closed once it holds `capacityBytes` or more; buckets are ordered by their
    /// first parameter in that reverse order. A bucket also closes before its buffer
    /// (elements and flags) would pass MPI's 32-bit count.
    static func assignBuckets(_ parameters: [Tensor], capacityBytes: Int) -> [[Int]] {
        var closed: [[Int]] = []
        var open: [DType: [Int]] = [:]
        var openBytes: [DType: Int] = [:]
        for p in parameters.indices.reversed() {
            let dtype = parameters[p].dtype
            if let members = open[dtype] {
                let elements = members.reduce(0) { $0 + parameters[$1].scalarCount } + members.count
                if elements + parameters[p].scalarCount + 1 > Int(Int32.max) {
                    closed.append(members)
                    open[dtype] = nil
                    openBytes[dtype] = nil
                }
            }
            open[dtype, default: []].append(p)
            openBytes[dtype, default: 0] += parameters[p].scalarCount * dtype.byteCount
            if openBytes[dtype]! >= capacityBytes {
                closed.append(open[dtype]!)
                open[dtype] = nil
                openBytes[dtype] = nil
            }
        }
        closed.append(contentsOf: open.values)
        // Position in reverse order: a larger parameter index comes first.
        return closed.sorted { $0[0] > $1[0] }
    }

    /// A parameter's post-accumulate-grad hook: its gradient for this pass is complete.
    func gradientReady(parameter: Int) throws {
        guard synchronizes else { return }
        if abandonedPass { throw Self.abandonedError() }
        let (b, index) = places[parameter]
        let bucket = buckets[b]
        if bucket.isFilled[index] {
            // Every leaf's gradient completes once per pass, so a second time means the
            // pass that filled it never finished (it threw) and this is a new one.
            abandonedPass = true
            throw Self.abandonedError()
        }
        try queueFinish()
        bucket.fill(index)
        try startReadyBuckets()
        try poll()
    }

    /// Makes sure `finish()` runs when the current backward pass ends.
    func queueFinish() throws {
        guard synchronizes, !isFinishQueued else { return }
        try queueBackwardCallback { [weak self] in try self?.finish() }
        isFinishQueued = true
    }

    /// A forward pass is starting: a finish still queued means the last backward pass failed.
    func forwardStarted() {
        if isFinishQueued { abandonedPass = true }
    }

    /// Starts, in order, every full bucket whose predecessors have all started (the last bucket excepted).
    private func startReadyBuckets() throws {
        while nextBucket < buckets.count - 1 && buckets[nextBucket].isFull {
            inFlight.append(try group.startAllReduce(buckets[nextBucket].buffer))
            nextBucket += 1
            bucketsStartedDuringBackward += 1
        }
    }

    /// Advances the all-reduces in flight: one `MPI_Test` moves every pending one forward.
    private func poll() throws {
        while let oldest = inFlight.first, try oldest.isCompleted() {
            inFlight.removeFirst()
        }
    }

    /// Completes the pass: zeros for parameters it did not reach, every bucket
    /// reduced, the averages in the parameters' `grad`.
    ///
    /// Runs at the end of every backward pass that reached the model; by hand it does
    /// nothing unless one is pending.
    func finish() throws {
        guard isFinishQueued else { return }
        if abandonedPass { throw Self.abandonedError() }
        isFinishQueued = false
        do {
            try reduceRemaining()
        } catch {
            abandonedPass = true
            throw error
        }
    }

    private func reduceRemaining() throws {
        for bucket in buckets { bucket.fillRemainingWithZeros() }
        while nextBucket < buckets.count - 1 {
            inFlight.append(try group.startAllReduce(buckets[nextBucket].buffer))
            nextBucket += 1
        }
        if let last = buckets.last { try group.allReduce(last.buffer) }
        for handle in inFlight { try handle.wait() }
        inFlight.removeAll()
        nextBucket = 0
        for bucket in buckets { bucket.writeBack(worldSize: group.worldSize) }
    }

    static func abandonedError() -> DistributedError {
        DistributedError(.outOfStep, operation: "DistributedDataParallel", """
            a backward pass failed before its gradients were synchronized, so this rank is out of step \
            with the others (which may be waiting in an all-reduce); end the job, by exiting with an error \
            status, and restart it from a checkpoint
            """)
    }
}
