import Testing
@testable import Autograd

/// Loads `path` into a fresh registry, expects a plugin error mentioning each of
/// `mentions`, and checks that nothing was registered.
func expectLoadFails(_ path: String, mentioning mentions: [String],
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    let registry = OpRegistry.withBuiltins()
    let names = registry.opNames
    let error = try #require(throws: AutogradError.self, sourceLocation: sourceLocation) {
        try registry.loadPlugin(at: path)
    }
    #expect(error.kind == .plugin, sourceLocation: sourceLocation)
    for text in mentions {
        #expect(error.message.contains(text), "'\(text)' missing from: \(error.message)", sourceLocation: sourceLocation)
    }
    #expect(registry.opNames == names, sourceLocation: sourceLocation)
    #expect(try registry.op(named: "matmul").kernelOverrides.isEmpty, sourceLocation: sourceLocation)
    #expect(registry.loadedPlugins.withLock { $0.isEmpty }, sourceLocation: sourceLocation)
}
