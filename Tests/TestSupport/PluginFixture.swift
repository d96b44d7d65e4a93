import Autograd

/// A test plugin: C source compiled at run time into a library, and the manifests
/// that declare ops over it. What the plugin test suites share.
public struct PluginFixture: Sendable {
    /// The compiled library's path.
    public let library: String
    /// The ABI minor version its manifests declare.
    public let abiMinor: Int
    /// The library's name, which also names the manifests' files.
    public let name: String

    /// Compiles `source` into `lib<name>.so`. A test fixture: traps if the compiler fails,
    /// with its diagnostics, since no test of the suite can run without it.
    public init(name: String, source: String, abiMinor: Int) {
        do {
            library = try CCompiler.plugin(source: source, name: name)
        } catch {
            fatalError("\(error)")
        }
        self.name = name
        self.abiMinor = abiMinor
    }

    /// A manifest declaring `ops` (each a JSON object) over this library.
    public func manifest(_ ops: [String]) -> String {
        #"{"abi": 1, "abi_minor": \#(abiMinor), "library": "\#(library)", "ops": [\#(ops.joined(separator: ", "))]}"#
    }

    /// The built-in ops and `ops` loaded from this library; traps if loading fails, with the error.
    public func registry(loading ops: [String]) -> OpRegistry {
        let registry = OpRegistry.withBuiltins()
        do {
            try registry.loadPlugin(at: try TemporaryFiles.write(manifest(ops), to: "\(name).json"))
        } catch {
            fatalError("\(error)")
        }
        return registry
    }
}
