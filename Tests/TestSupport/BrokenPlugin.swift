import Conformance
import Foundation

/// The deliberately broken C plugin of `Plugins/Broken`: each op's kernels are wrong
/// in exactly one way, and one conformance check must catch each (its README lists them).
public enum BrokenPlugin {
    /// Each op of the plugin, in the order a run checks them, and the check meant to
    /// catch it. The segfault is in the middle, so ops after it show that a run goes on.
    public static let expectedFailures: KeyValuePairs<String, ConformanceCheck> = [
        "broken.wrong_grad": .gradient,
        "broken.out_of_bounds": .guardBytes,
        "broken.segfault": .crashIsolation,
        "broken.mutates_input": .inputsUnmodified,
        "broken.nondeterministic": .determinism,
        "broken.shared_scratch": .threadSafety,
        "broken.nan_at_zero": .specialValues,
        "broken.wrong_past_two": .specialValues,
        "broken.float32_wrong_grad": .gradient,
        "broken.reads_past_input": .guardBytes,
        "broken.writes_far_past": .guardBytes,
        "broken.rowsum_wrong_grad": .gradient,
    ]

    /// The plugin's ops, in the order of `expectedFailures`.
    public static var ops: [String] { expectedFailures.map(\.key) }

    /// The ops with float32 kernels only.
    public static let float32Only: Set = ["broken.float32_wrong_grad"]

    /// The ops that are not elementwise (a row sum of a 2-D input, so no 0-d variant either).
    public static let notElementwise: Set = ["broken.rowsum_wrong_grad"]

    /// Compiles every C file of `Plugins/Broken` into `libBroken.so` in `directory`.
    public static func compile(into directory: URL) throws -> String {
        let plugin = PackagePaths.url("Plugins/Broken")
        let sources = try FileManager.default.contentsOfDirectory(atPath: plugin.path)
            .filter { $0.hasSuffix(".c") }.sorted().map { plugin.appendingPathComponent($0).path }
        return try CCompiler.plugin(sources: sources, name: "Broken", in: directory)
    }

    /// The plugin compiled once per process into a temporary directory that stays for
    /// the process's life: child processes load it by path. Or why it could not be compiled.
    public static let library: Result<String, any Error> = Result {
        try compile(into: TemporaryFiles.directory("broken-plugin"))
    }
}
