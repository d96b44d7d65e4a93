import Autograd
import AutogradDistributed

/// Non-blocking all-reduces: several in flight, finished in any order, polled, dropped.
enum AsyncChecks {
    static let all: [Check] = [
        Check(name: "start-all-reduce-several-in-flight") { group in
            let n = Double(group.worldSize), total = n * (n + 1) / 2
            let small = CollectiveChecks.contribution(of: group, shape: [5], dtype: .float32)
            let averaged = CollectiveChecks.contribution(of: group, shape: [2, 2], dtype: .float64)
            let large = Tensor(shape: [1 << 20], scalars: [Double](repeating: Double(group.rank + 1), count: 1 << 20))
            let handles = [
                try group.startAllReduce(small),
                try group.startAllReduce(averaged, operation: .average),
                try group.startAllReduce(large),
            ]
            // Finish them in the reverse of the order they were started.
            for handle in handles.reversed() { try handle.wait() }
            try expectValues(small, (1...5).map { Double($0) * total }, "small sum")
            try expectValues(averaged, (1...4).map { Double($0) * (n + 1) / 2 }, "average")
            try expect(large.scalars.allSatisfy { $0 == total }, "1M-element sum: expected every element \(total)")
            try handles[0].wait()
            try expectValues(small, (1...5).map { Double($0) * total }, "a second wait changes nothing")
        },
        Check(name: "start-all-reduce-polled") { group in
            let x = CollectiveChecks.contribution(of: group, shape: [1000], dtype: .float32)
            let handle = try group.startAllReduce(x, operation: .average)
            var polls = 0
            while try !handle.isCompleted() { polls += 1 }
            let mean = Double(group.worldSize + 1) / 2
            try expectValues(x, (1...1000).map { Double(Float(Double($0) * mean)) }, "average after \(polls) polls")
            try expect(try handle.isCompleted(), "a finished handle stays finished")
        },
        Check(name: "start-all-reduce-dropped-handle") { group in
            let x = CollectiveChecks.contribution(of: group, shape: [3], dtype: .float64)
            _ = try group.startAllReduce(x, operation: .average)
            let mean = Double(group.worldSize + 1) / 2
            try expectValues(x, [mean, 2 * mean, 3 * mean], "a dropped handle still completes the average")
        },
    ]
}
