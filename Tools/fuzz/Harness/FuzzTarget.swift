/// A parser the fuzzer drives: its name on the command line, the longest input
/// worth generating for its format, and the entry point that runs one input.
///
/// `run` may throw or reject the input in any way; a trap, a crash, a hang or a
/// leak is a bug in the parser.
struct FuzzTarget: Sendable {
    let name: String
    /// Passed to libFuzzer as `-max_len` by `Tools/fuzz/run`.
    let maxLength: Int
    let run: @Sendable ([UInt8]) -> Void
}

extension FuzzTarget {
    /// Every target. A new one is a file in Targets/ defining it, and a line here.
    static let all: [FuzzTarget] = [
        .pluginManifest,
        .safetensors,
        .referenceExpression,
        .referenceCases,
        .programs,
    ]

    static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}
