import Autograd
import Conformance
import Foundation

/// The reference cases the tests compare with, read by the conformance library's
/// reader (`ReferenceCases`), as kernel-check reads them.
public enum ReferenceFixtures {
    /// `Tests/AutogradTests/Fixtures/<name>`.
    public static func url(_ name: String) -> URL { Fixtures.url(name, in: "AutogradTests") }

    /// The files PyTorch generated: format 1 (`autograd_cases.json`) and format 2
    /// (`ops2_cases.json`), as kernel-check is run with them.
    public static let pytorch = read(["autograd_cases.json", "ops2_cases.json"])

    /// Format 1: PyTorch's file, then the cases made the same way for ops it lacks (`extra_cases.json`).
    public static let formatOne = read(["autograd_cases.json", "extra_cases.json"])

    /// Format 2: PyTorch's file, then the cases made the same way for the ops the
    /// engine runs itself (`engine_cases.json`).
    public static let formatTwo = read(["ops2_cases.json", "engine_cases.json"])

    /// Every case of both formats.
    public static var all: ReferenceCases {
        var all = formatOne
        all.append(formatTwo)
        return all
    }

    private static func read(_ names: [String]) -> ReferenceCases {
        var cases = ReferenceCases()
        for name in names {
            do {
                cases.append(try ReferenceCases(contentsOf: url(name)))
            } catch {
                fatalError("\(error)")
            }
        }
        return cases
    }
}

extension ReferenceCases {
    /// The tolerance of the cases' README for a case's comparisons: the cases file's
    /// for first-order values, looser for Hessian-vector products, which differentiate twice.
    public static func tolerance(_ dtype: DType, secondOrder: Bool = false) -> Tolerance {
        secondOrder ? Tolerance(absolute: 1e-10, relative: 1e-8) : .cases(dtype)
    }
}
