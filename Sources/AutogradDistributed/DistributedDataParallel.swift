import Autograd

/// A model replicated on every rank, whose gradients are averaged across ranks during backward:
/// PyTorch's `DistributedDataParallel`.
///
/// Each rank wraps its own copy of the model, feeds it its share of every global
/// batch, and trains it exactly as one process would:
///
/// ```swift
/// let group = try ProcessGroup.world
/// let ddp = try DistributedDataParallel(Sequential(Linear(784, 256), ReLU(), Linear(256, 10)), group: group)
/// let optimizer = SGD(ddp.parameters(), learningRate: 0.1)
/// optimizer.zeroGrad()
/// let loss = criterion(ddp(inputs), labels)   // this rank's share of the batch
/// try loss.backward()                         // gradients all-reduced while backward runs
/// optimizer.step()                            // every rank takes the same step
/// ```
///
/// What it does:
/// - **At construction**, checks that every rank wrapped the same parameters (count,
///   shapes, dtypes, order; every rank throws the same error if not), then broadcasts
///   rank 0's parameters, and any `buffers` passed (the model's `namedBuffers()` are
///   not broadcast unless passed), so all replicas start equal.
/// - **During backward**, a post-accumulate-grad hook on each parameter copies its
///   gradient into a bucket (about `bucketCapacityBytes` of parameters, grouped in
///   reverse order as PyTorch does, since backward reaches the last layers first);
///   when a bucket is full, its all-reduce starts while backward goes on, and later
///   hooks keep it moving (Open MPI progresses a non-blocking collective only inside
///   MPI calls).
/// - **When backward ends** (a callback the first hook queues on the engine, see
///   `queueBackwardCallback`), it waits for every bucket and writes the averaged
///   gradient (sum over ranks divided by the world size) into each parameter's
///   `grad`, before `backward()` returns: `optimizer.step()` can only see averages.
///
/// **Unused parameters.** A parameter this rank's loss did not depend on gets no
/// gradient and no hook call; at the end of backward its slot is filled with zeros,
/// so no rank waits for it (PyTorch's "Expected to have finished reduction in the
/// prior iteration" cannot happen, and no `find_unused_parameters` flag is needed).
/// A parameter some rank used gets the average on every rank (the ranks that did
/// not use it contributing zero); one no rank used keeps its `grad` as it was.
///
/// **Gradient accumulation.** Backward passes run inside `withoutGradientSynchronization`
/// accumulate into `grad` locally; the next synchronized backward averages the total
/// (PyTorch's `no_sync()`).
///
/// Every rank must run its backward passes through the model in step with the others
/// (the same number, in the same order), as with any collective. A world of one
/// (no `mpirun`) runs the same code with nothing to communicate.
///
/// The model's parameters are found once, at construction; parameters added to it
/// later are not synchronized. Its parameter names gain a `module.` prefix, as in
/// PyTorch: save `ddp.module` to get the model's own names.
public final class DistributedDataParallel<Model: Module>: Module {
    /// The wrapped model, PyTorch's `ddp.module`.
    public let module: Model
    /// The ranks the gradients are averaged over.
    public let group: ProcessGroup
    /// The target size of one bucket of gradients, in bytes.
    public let bucketCapacityBytes: Int
    let reducer: GradientReducer
    private var hookHandles: [HookHandle] = []

    /// PyTorch's default bucket size, 25 MiB (`bucket_cap_mb=25`).
    public static var defaultBucketCapacityBytes: Int { 25 * 1024 * 1024 }

    /// Wraps `module` for data-parallel training over `group` (the world by default).
    ///
    /// A collective: every rank must construct its wrapper at the same point.
    ///
    /// - Parameters:
    ///   - module: this rank's replica; its parameters are overwritten with rank 0's.
    ///   - group: the ranks to average over; `ProcessGroup.world` when nil.
    ///   - bucketCapacityBytes: gradients are all-reduced in buckets of about this many
    ///     bytes (a parameter larger than that gets a bucket of its own; 0 gives every
    ///     parameter its own). Smaller buckets start communicating earlier in backward,
    ///     at the cost of more, smaller all-reduces.
    ///   - buffers: tensors of the model's state that are not parameters (running
    ///     statistics, say) to broadcast from rank 0 too, once, here. The model's own
    ///     `namedBuffers()` are not broadcast unless passed: PyTorch's `broadcast_buffers`
    ///     also sends them before every forward, which this does not, and a batch norm's
    ///     `num_batches_tracked` is int64, which collectives do not carry. Pass the float
    ///     ones, e.g. `model.buffers().filter { $0.dtype == .float32 }`.
    /// - Throws: `DistributedError`, on every rank alike: `.mismatch` when the ranks'
    ///   parameters differ in count, shape or dtype, `.invalidTensor` (on the rank at
    ///   fault; `.remote` on the others) for a parameter or buffer that is not a
    ///   contiguous float32 or float64 tensor, `.invalidArgument` for a negative
    ///   capacity, `.mpi` when MPI fails.
    public init(_ module: Model, group: ProcessGroup? = nil, bucketCapacityBytes: Int = defaultBucketCapacityBytes,
                buffers: [Tensor] = []) throws {
        let name = "DistributedDataParallel"
        guard bucketCapacityBytes >= 0 else {
            throw DistributedError(.invalidArgument, operation: name, """
                bucketCapacityBytes must be 0 or more; got \(bucketCapacityBytes)
                """)
        }
        let group = try group ?? ProcessGroup.world
        let named = module.namedParameters()
        try ReplicaLayout(parameters: named, buffers: buffers).agree(in: group)
        for (_, p) in named { try group.broadcast(p, from: 0) }
        for b in buffers { try group.broadcast(b, from: 0) }

        self.module = module
        self.group = group
        self.bucketCapacityBytes = bucketCapacityBytes
        let parameters = named.map(\.tensor)
        reducer = GradientReducer(group: group, parameters: parameters, bucketCapacityBytes: bucketCapacityBytes)
        bucketedParameterNames = reducer.buckets.map { bucket in
            bucket.parameters.map { p in named.first { $0.tensor === p }!.name }
        }
        let reducer = self.reducer
        hookHandles = parameters.indices.map { i in
            parameters[i].registerPostAccumulateGradHook { [weak reducer] _ in
                try reducer?.gradientReady(parameter: i)
            }
        }
    }

    deinit {
        for handle in hookHandles { handle.remove() }
    }

    /// The names of the parameters in each bucket (the model's own names, without
    /// `module.`), in the order the buckets are all-reduced.
    public let bucketedParameterNames: [[String]]

    /// Runs the model. A backward pass through the result synchronizes the gradients.
    ///
    /// Call the wrapper (`ddp(x)`) rather than this, as with any module. Calling
    /// `ddp.module(x)` directly works too, except on a rank whose loss uses none of the
    /// parameters: only a result of the wrapper's forward tells such a rank that a
    /// backward pass went through the model.
    public func forward(_ input: Tensor) -> Tensor {
        reducer.forwardStarted()
        let output = module(input)
        if output.requiresGrad && reducer.synchronizes {
            let reducer = self.reducer
            output.registerHook { [weak reducer] _ in
                try reducer?.queueFinish()
                return nil
            }
        }
        return output
    }

    /// Waits for every bucket's all-reduce and writes the averaged gradients into the parameters' `grad`.
    ///
    /// You do not need to call it: it runs at the end of every backward pass through
    /// the model, before `backward()` returns. Calling it again does nothing, so code
    /// may call it before `optimizer.step()` to say so.
    ///
    /// - Throws: `DistributedError` of kind `.mpi` when MPI fails, `.outOfStep` after a
    ///   backward pass that failed halfway.
    public func finishGradientSynchronization() throws {
        try reducer.finish()
    }

    /// Runs `body` (forward and backward passes) with gradients accumulating locally,
    /// unsynchronized: PyTorch's `with ddp.no_sync():`.
    ///
    /// For gradient accumulation: run the first micro-batches inside, the last one
    /// outside; its backward averages the accumulated gradients, once.
    ///
    /// ```swift
    /// try ddp.withoutGradientSynchronization {
    ///     for micro in batches.dropLast() { try criterion(ddp(micro.x), micro.y).backward() }
    /// }
    /// try criterion(ddp(last.x), last.y).backward()   // all-reduces the sum of all of them
    /// optimizer.step()
    /// ```
    public func withoutGradientSynchronization<R>(_ body: () throws -> R) rethrows -> R {
        let previous = reducer.synchronizes
        reducer.synchronizes = false
        defer { reducer.synchronizes = previous }
        return try body()
    }
}
