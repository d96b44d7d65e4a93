import Autograd
@testable import AutogradDistributed
import Testing

/// `DistributedDataParallel` in the world of one a process gets without `mpirun`:
/// the bucket machinery runs, with nothing to communicate.
@Suite(.enabled(if: !LaunchEnvironment().isLaunched, "this test process was itself started by an MPI launcher"))
struct DataParallelTests {
    let group: ProcessGroup

    init() throws { group = try ProcessGroup.world }

    static func model(seed: UInt64) -> Sequential {
        var generator = RandomGenerator(seed: seed)
        return Sequential(Linear(6, 16, generator: &generator), Tanh(), Linear(16, 3, generator: &generator))
    }

    static func batch(_ step: Int) -> (Tensor, Tensor) {
        var generator = RandomGenerator(seed: UInt64(100 + step))
        let x = Tensor.randn([8, 6], using: &generator)
        let labels = Tensor(shape: [8], scalars: (0..<8).map { Int64(($0 + step) % 3) }, dtype: .int64)
        return (x, labels)
    }

    /// In a world of one the average is the gradient itself: training matches plain training bit for bit.
    @Test(arguments: [DistributedDataParallel<Sequential>.defaultBucketCapacityBytes, 0, 300])
    func trainsExactlyAsOneProcessWithoutMPI(capacity: Int) throws {
        let ddp = try DistributedDataParallel(Self.model(seed: 1), group: group, bucketCapacityBytes: capacity)
        let plain = Self.model(seed: 1)
        let criterion = CrossEntropyLoss()
        let optimizers = [SGD(ddp.parameters(), learningRate: 0.1, momentum: 0.9),
                          SGD(plain.parameters(), learningRate: 0.1, momentum: 0.9)]
        for step in 0..<5 {
            let (x, labels) = Self.batch(step)
            for optimizer in optimizers { optimizer.zeroGrad() }
            try criterion(ddp(x), labels).backward()
            try criterion(plain(x), labels).backward()
            for optimizer in optimizers { optimizer.step() }
        }
        for (p, q) in zip(ddp.module.parameters(), plain.parameters()) {
            #expect(p.scalars == q.scalars)
        }
    }

    @Test func bucketsFollowReverseParameterOrderAndCapacity() throws {
        // Parameters of 0.weight [16, 6] (384 B), 0.bias (64 B), 2.weight [3, 16] (192 B), 2.bias (12 B).
        let names = { (capacity: Int) in
            try DistributedDataParallel(Self.model(seed: 2), group: self.group, bucketCapacityBytes: capacity)
                .bucketedParameterNames
        }
        #expect(try names(DistributedDataParallel<Sequential>.defaultBucketCapacityBytes)
            == [["2.bias", "2.weight", "0.bias", "0.weight"]])
        #expect(try names(0) == [["2.bias"], ["2.weight"], ["0.bias"], ["0.weight"]])
        // A bucket closes once it holds the capacity or more.
        #expect(try names(200) == [["2.bias", "2.weight"], ["0.bias", "0.weight"]])
    }

    @Test func bucketsHoldOneDTypeEach() {
        let parameters = [Tensor.zeros([4], dtype: .float64, requiresGrad: true), Tensor.zeros([4], requiresGrad: true),
                          Tensor.zeros([4], dtype: .float64, requiresGrad: true), Tensor.zeros([4], requiresGrad: true)]
        #expect(GradientReducer.assignBuckets(parameters, capacityBytes: 1 << 20) == [[3, 1], [2, 0]])
        // float64 parameters of 32 bytes fill a 32-byte bucket alone; two float32 ones share one.
        #expect(GradientReducer.assignBuckets(parameters, capacityBytes: 32) == [[3, 1], [2], [0]])
        #expect(GradientReducer.assignBuckets(parameters, capacityBytes: 16) == [[3], [2], [1], [0]])
        #expect(GradientReducer.assignBuckets([], capacityBytes: 16).isEmpty)
    }

    @Test func broadcastsAndPrefixesNamesAsPyTorch() throws {
        let ddp = try DistributedDataParallel(Self.model(seed: 3), group: group)
        #expect(ddp.namedParameters().map(\.name)
            == ["module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"])
        #expect(ddp.parameters().count == 4)
        ddp.eval()
        #expect(!ddp.module.isTraining)
    }

    /// A parameter the pass did not reach keeps its gradient: nil, or what it held.
    @Test func unusedParametersKeepTheirGradient() throws {
        let head = Linear(3, 2), spare = Linear(3, 2)
        let ddp = try DistributedDataParallel(Sequential(head, spare), group: group, bucketCapacityBytes: 0)
        let x = Tensor.ones([4, 3])
        try head(x).sum().backward()  // the module's first layer only, not through the wrapper
        #expect(head.weight.grad?.scalars == [Double](repeating: 4, count: 6))
        #expect(spare.weight.grad == nil && spare.bias?.grad == nil)
        spare.weight.grad = Tensor.full([2, 3], 7.0)
        try ddp.finishGradientSynchronization()  // nothing pending: changes nothing
        try head(x).sum().backward()
        #expect(head.weight.grad?.scalars == [Double](repeating: 8, count: 6))
        #expect(spare.weight.grad?.scalars == [Double](repeating: 7, count: 6))
        withExtendedLifetime(ddp) {}
    }

    @Test func accumulatesWithoutSynchronization() throws {
        let layer = Linear(weight: Tensor.ones([1, 2], requiresGrad: true), bias: nil)
        let ddp = try DistributedDataParallel(layer, group: group)
        let x = Tensor([[1.0, 2.0]])
        try ddp.withoutGradientSynchronization { try ddp(x).sum().backward() }
        try ddp(x).sum().backward()
        #expect(layer.weight.grad?.scalars == [2, 4])
    }

    @Test func aNegativeCapacityThrows() {
        let error = #expect(throws: DistributedError.self) {
            _ = try DistributedDataParallel(Linear(2, 2), group: group, bucketCapacityBytes: -1)
        }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description == "DistributedDataParallel: bucketCapacityBytes must be 0 or more; got -1")
    }

    @Test func aNonContiguousParameterThrows() throws {
        let weight = Tensor.zeros([3, 2]).transposed(0, 1)
        weight.requiresGrad = true
        let error = #expect(throws: DistributedError.self) {
            _ = try DistributedDataParallel(Linear(weight: weight, bias: nil), group: group)
        }
        #expect(error?.kind == .invalidTensor)
        #expect(error?.description.hasPrefix(
            "DistributedDataParallel: parameter 0 (weight): expected a contiguous tensor; got shape [2, 3]") == true)
    }

    /// A backward pass that throws after some hooks ran leaves the replica out of step;
    /// the next pass says so instead of averaging half-filled buckets.
    @Test func aFailedBackwardPassIsReportedOnTheNextOne() throws {
        let layer = Linear(3, 2)
        let ddp = try DistributedDataParallel(layer, group: group, bucketCapacityBytes: 0)
        struct Boom: Error {}
        // The bias's gradient completes first and its hook fills a bucket; then the weight's hook throws.
        let handle = layer.weight.registerHook { _ in throw Boom() }
        #expect(throws: Boom.self) { try ddp(Tensor.ones([1, 3])).sum().backward() }
        handle.remove()
        let error = #expect(throws: DistributedError.self) { try ddp(Tensor.ones([1, 3])).sum().backward() }
        #expect(error?.kind == .outOfStep)
        #expect(error?.description.contains("end the job") == true)
    }
}
