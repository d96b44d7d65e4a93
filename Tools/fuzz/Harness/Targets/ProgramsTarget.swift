import Autograd
import Conformance
import Foundation
import TestSupport

extension FuzzTarget {
    /// The tests' program reader: an input is a programs file. Each step's names,
    /// attributes and recorded values are then read as the replay reads them.
    static let programs = FuzzTarget(name: "programs", maxLength: 8192) { bytes in
        guard let programs = try? Program.read(from: Data(bytes)) else { return }
        for program in programs {
            for step in program.steps {
                _ = (step.out?.single, step.attributes)
                _ = try? step.value?.values(default: .float64).tensor(.float64)
            }
            for check in program.checks { _ = try? check.expect?.values(default: .float64).tensor(.float64) }
        }
    }
}
