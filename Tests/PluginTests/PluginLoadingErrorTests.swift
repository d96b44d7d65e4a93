import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Each bad input is a thrown error naming the file, the op and the field, and
/// leaves the registry exactly as it was.
@Suite("Plugin loading errors")
struct PluginLoadingErrorTests {
    /// A sidecar for the bare test library whose one op is edited by `replacing`.
    func sidecar(_ replacing: [(String, String)], abi: Int = 1) throws -> String {
        try TemporaryFiles.write(TinyPlugin.sidecar(abi: abi, op: TinyPlugin.negateOp(replacing)), to: "bad.json")
    }

    @Test("a missing file")
    func missingFile() throws {
        try expectLoadFails("/nonexistent/libnothing.so", mentioning: ["/nonexistent/libnothing.so", "no such file"])
    }

    @Test("a file that is not a shared object")
    func notSharedObject() throws {
        let path = try TemporaryFiles.write("just some text\n", to: "libnotes.so")
        try expectLoadFails(path, mentioning: [path, "cannot load", "as a shared object"])
    }

    @Test("a library without the manifest symbol and no sidecar")
    func noManifest() throws {
        let directory = URL(fileURLWithPath: try TemporaryFiles.write("", to: "README")).deletingLastPathComponent().path
        let library = directory + "/libbare.so"
        try FileManager.default.copyItem(atPath: TinyPlugin.bareLibrary, toPath: library)
        try expectLoadFails(library, mentioning: [library, "autograd_plugin_manifest", directory + "/libbare.json"])
    }

    @Test("malformed JSON")
    func malformedJSON() throws {
        let path = try TemporaryFiles.write(#"{"abi": 1, "library": "libm.so.6", "ops": [ {"name": }"#, to: "broken.json")
        try expectLoadFails(path, mentioning: [path, "malformed JSON", "line 1, column"])
    }

    @Test("an unknown field")
    func unknownField() throws {
        let path = try sidecar([(#""elementwise""#, #""elementwize""#)])
        try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field 'ops[0].elementwize'", "unknown field"])
    }

    @Test("an unknown argument term or type")
    func unknownTerm() throws {
        let term = try sidecar([(#""ptr:out", "i64:numel(x)""#, #""ptr:out", "i64:count(x)""#)])
        try expectLoadFails(term, mentioning: [term, "op 'bare.negate'", "field 'ops[0].forward.float64.args[2]'",
                                               "unknown argument term 'i64:count(x)'"])
        let type = try sidecar([(#""ptr:x", "ptr:out""#, #""q8:x", "ptr:out""#)])
        try expectLoadFails(type, mentioning: [type, "op 'bare.negate'", "field 'ops[0].forward.float64.args[0]'",
                                               "unknown argument type 'q8'"])
    }

    @Test("a symbol the library does not have")
    func missingSymbol() throws {
        let path = try sidecar([(#""bare_negate""#, #""bare_negatf""#)])
        try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field 'ops[0].forward.float64.symbol'",
                                               "symbol 'bare_negatf' not found"])
    }

    @Test("arguments that do not fit the declared inputs")
    func argumentsDoNotFit() throws {
        let unknownTensor = try sidecar([(#""ptr:x", "ptr:out""#, #""ptr:y", "ptr:out""#)])
        try expectLoadFails(unknownTensor, mentioning: [unknownTensor, "op 'bare.negate'",
                                                        "field 'ops[0].forward.float64.args[0]'", "no tensor named 'y'"])
        let otherGradient = try sidecar([(#""ptr:grad_out", "ptr:grad_x""#, #""ptr:grad_out", "ptr:grad_w""#)])
        try expectLoadFails(otherGradient, mentioning: [otherGradient, "op 'bare.negate'",
                                                        "field 'ops[0].backward.x.float64.args[1]'", "no tensor named 'grad_w'"])
        let unknownInput = try sidecar([(#""backward": {"x""#, #""backward": {"z""#)])
        try expectLoadFails(unknownInput, mentioning: [unknownInput, "op 'bare.negate'", "field 'ops[0].backward.z'",
                                                       "no input is named 'z'"])
        let noOutput = try sidecar([(#""ptr:x", "ptr:out""#, #""ptr:x", "ptr:x""#)])
        try expectLoadFails(noOutput, mentioning: [noOutput, "op 'bare.negate'", "field 'ops[0].forward.float64.args'",
                                                   "no argument is ptr:out"])
        let attribute = try sidecar([(#""i64:numel(x)"]}}"#, #""i64:numel(x)", "f32:attr.alpha"]}}"#)])
        try expectLoadFails(attribute, mentioning: [attribute, "op 'bare.negate'", "field 'ops[0].forward.float64.args[3]'",
                                                    "no attribute 'alpha'"])
    }

    @Test("an ABI the host does not speak")
    func wrongABI() throws {
        let path = try sidecar([], abi: 2)
        try expectLoadFails(path, mentioning: [path, "field 'abi'", "plugin ABI 2", "speaks ABI 1"])
    }

    @Test("a manifest that needs a newer minor ABI is refused before its newer fields are read")
    func newerMinorABI() throws {
        let host = PluginABIVersion.host
        let newer = TinyPlugin.sidecar(op: TinyPlugin.negateOp([(#""elementwise""#, #""vectorized": true, "elementwise""#)]))
            .replacingOccurrences(of: #""abi": 1,"#, with: #""abi": 1, "abi_minor": \#(host.minor + 1),"#)
        let path = try TemporaryFiles.write(newer, to: "newer.json")
        try expectLoadFails(path, mentioning: [path, "field 'abi_minor'", "needs plugin ABI 1.\(host.minor + 1) or later",
                                               "this host speaks ABI \(host)"])

        for (minor, expected) in [(nil, PluginABIVersion(major: 1, minor: 0)), (host.minor, host)] {
            let text = TinyPlugin.sidecar(op: TinyPlugin.negateOp())
                .replacingOccurrences(of: #""abi": 1,"#, with: #""abi": 1,"# + (minor.map { #" "abi_minor": \#($0),"# } ?? ""))
            let plugin = try OpRegistry.withBuiltins().loadPlugin(at: try TemporaryFiles.write(text, to: "current.json"))
            #expect(plugin.abi == expected && plugin.abi <= host)
        }
    }

    @Test("a name that clashes with a registered op")
    func nameClash() throws {
        let path = try sidecar([(#""bare.negate""#, #""mul""#)])
        try expectLoadFails(path, mentioning: [path, "op 'mul'", "field 'ops[0].name'", "already registered"])
    }

    @Test("a bad second op registers nothing of the first")
    func allOrNothing() throws {
        let good = TinyPlugin.negateOp()
        let bad = TinyPlugin.negateOp([(#""bare.negate""#, #""bare.negate2""#), (#""bare_negate_grad""#, #""nope""#)])
        let manifest = TinyPlugin.sidecar(op: good + ", " + bad)
        let path = try TemporaryFiles.write(manifest, to: "two.json")
        try expectLoadFails(path, mentioning: [path, "op 'bare.negate2'", "field 'ops[1].backward.x.float64.symbol'"])
        let kernel = try TemporaryFiles.write(#"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)",
             "kernels": [{"op": "matmull", "dtype": "float64", "symbol": "bare_negate", "args": ["ptr:a", "ptr:out"]}]}
            """#, to: "kernel.json")
        try expectLoadFails(kernel, mentioning: [kernel, "op 'matmull'", "field 'kernels[0].op'", "no op named 'matmull'"])
    }

    @Test("a sidecar that names no library, and an embedded manifest that does")
    func libraryField() throws {
        let path = try TemporaryFiles.write(#"{"abi": 1, "ops": [\#(TinyPlugin.negateOp())]}"#, to: "nolib.json")
        try expectLoadFails(path, mentioning: [path, "must name the shared object in 'library'"])
        let missing = try TemporaryFiles.write(TinyPlugin.sidecar(library: "libnot-there.so.7", op: TinyPlugin.negateOp()), to: "missinglib.json")
        try expectLoadFails(missing, mentioning: [missing, "field 'library'", "cannot load 'libnot-there.so.7'"])
    }

    @Test("loading the same plugin twice is a no-op that returns the first load")
    func loadTwice() throws {
        let registry = OpRegistry.withBuiltins()
        let first = try registry.loadPlugin(at: TinyPlugin.library)
        let names = registry.opNames
        let link = URL(fileURLWithPath: try TemporaryFiles.write("", to: "README")).deletingLastPathComponent().path + "/link.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: TinyPlugin.library)
        #expect(try registry.loadPlugin(at: TinyPlugin.library) == first)
        #expect(try registry.loadPlugin(at: link) == first)
        #expect(registry.opNames == names)
        #expect(first.opNames == ["tiny.axpb", "tiny.rowsum", "tiny.exp2"])
    }

    @Test("a sidecar beside a library without the manifest symbol is used")
    func sidecarBesideLibrary() throws {
        let directory = URL(fileURLWithPath: try TemporaryFiles.write(TinyPlugin.sidecar(
            library: "libbare.so", op: TinyPlugin.negateOp()), to: "libbare.json")).deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: TinyPlugin.bareLibrary, toPath: directory + "/libbare.so")
        for path in [directory + "/libbare.so", directory + "/libbare.json"] {
            let registry = OpRegistry.withBuiltins()
            let plugin = try registry.loadPlugin(at: path)
            #expect(plugin.opNames == ["bare.negate"])
            let x = Tensor([1.0, -2.0], dtype: .float64, requiresGrad: true)
            let y = try registry.call("bare.negate", [x])
            expectClose(y, Tensor([-1.0, 2.0], dtype: .float64), atol: 0, rtol: 0)
            try y.sum().backward()
            expectClose(x.grad, Tensor([-1.0, -1.0], dtype: .float64), atol: 0, rtol: 0)
        }
    }

    @Test("a library that embeds a manifest and has a sidecar beside it is ambiguous")
    func embeddedAndSidecar() throws {
        let directory = try TemporaryFiles.directory("autograd-tests").path
        try FileManager.default.copyItem(atPath: TinyPlugin.library, toPath: directory + "/libtiny.so")
        let sidecar = try TemporaryFiles.write(TinyPlugin.sidecar(library: "libtiny.so", op: TinyPlugin.negateOp()),
                                               to: "libtiny.json", in: directory)
        try expectLoadFails(directory + "/libtiny.so", mentioning: [directory + "/libtiny.so", "has a sidecar manifest " + sidecar,
                                                                    "load the sidecar by its path"])
        // The sidecar, loaded by its path, is unambiguous (its op is not in the library, so it fails on the symbol).
        try expectLoadFails(sidecar, mentioning: [sidecar, "symbol 'bare_negate' not found"])
    }

    @Test("a bare file name is the file in the current directory, not a name for the loader's search path")
    func bareFileName() throws {
        let name = "libtiny-\(UUID().uuidString).so"
        let cwd = FileManager.default.currentDirectoryPath
        try FileManager.default.copyItem(atPath: TinyPlugin.library, toPath: cwd + "/" + name)
        defer { try? FileManager.default.removeItem(atPath: cwd + "/" + name) }
        let registry = OpRegistry.withBuiltins()
        let plugin = try registry.loadPlugin(at: name)
        #expect(plugin.path == cwd + "/" + name)
        #expect(registry.contains("tiny.axpb"))
        try expectLoadFails("libnot-here-\(UUID().uuidString).so",
                            mentioning: ["no such file", "the current directory, \(cwd)"])
    }

    @Test("a huge value in a manifest is cut in its error")
    func hugeValuesAreCut() throws {
        let symbol = String(repeating: "s", count: 1 << 20)
        let path = try sidecar([(#""bare_negate""#, "\"\(symbol)\"")])
        let registry = OpRegistry.withBuiltins()
        let error = try #require(throws: AutogradError.self) { try registry.loadPlugin(at: path) }
        #expect(error.message.count < 2_000, "\(error.message.count) characters")
        #expect(error.message.contains("not found") && error.message.contains("(1048576 characters)"), "\(error.message.prefix(500))")
    }

    /// A truncated file would crash dlopen (SIGBUS on a page past its end); a negative length drops that many bytes.
    @Test("an empty or truncated shared object", arguments: [0, 16, 64, 4096, -1])
    func truncatedLibraries(keeping length: Int) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TinyPlugin.library)))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID().uuidString).so").path
        try Data(bytes.prefix(length >= 0 ? length : bytes.count + length)).write(to: URL(fileURLWithPath: path))
        try expectLoadFails(path, mentioning: [path])
    }
}
