import Foundation
import Testing
@testable import Autograd

/// Each bad input is a thrown error naming the file, the op and the field, and
/// leaves the registry exactly as it was.
@Suite("Plugin loading errors")
struct PluginLoadingErrorTests {
    /// Loads `path` into a fresh registry, expects an error mentioning each of
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

    /// A sidecar for the bare test library whose one op is edited by `replacing`.
    func sidecar(_ replacing: [(String, String)], abi: Int = 1) throws -> String {
        try writeTemporaryFile("bad.json", TinyPlugin.sidecar(abi: abi, op: TinyPlugin.negateOp(replacing)))
    }

    @Test("a missing file")
    func missingFile() throws {
        try expectLoadFails("/nonexistent/libnothing.so", mentioning: ["/nonexistent/libnothing.so", "no such file"])
    }

    @Test("a file that is not a shared object")
    func notSharedObject() throws {
        let path = try writeTemporaryFile("libnotes.so", "just some text\n")
        try expectLoadFails(path, mentioning: [path, "cannot load", "as a shared object"])
    }

    @Test("a library without the manifest symbol and no sidecar")
    func noManifest() throws {
        let directory = URL(fileURLWithPath: try writeTemporaryFile("README", "")).deletingLastPathComponent().path
        let library = directory + "/libbare.so"
        try FileManager.default.copyItem(atPath: TinyPlugin.bareLibrary, toPath: library)
        try expectLoadFails(library, mentioning: [library, "autograd_plugin_manifest", directory + "/libbare.json"])
    }

    @Test("malformed JSON")
    func malformedJSON() throws {
        let path = try writeTemporaryFile("broken.json", #"{"abi": 1, "library": "libm.so.6", "ops": [ {"name": }"#)
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

    @Test("a malformed or ill-typed expression in an argument or an output size")
    func badExpressions() throws {
        func argument(_ value: String) -> [(String, String)] {
            [(#""ptr:out", "i64:numel(x)""#, #""ptr:out", "\#(value)""#)]
        }
        let cases: [(String, [String])] = [
            ("i64:(numel(x) + )", ["malformed expression '(numel(x) + )'", "expected a term, a number or '(' at character 13"]),
            ("i64:numel(x) 2 + 1", ["malformed expression", "expected an operator (+ - * /) or the end at character 10"]),
            ("i64:numel(x) + count(x)", ["unknown term 'count(x)'", "numel(<tensor>)"]),
            ("i64:x + 1", ["'x' is a tensor, not a size"]),
            ("i64:numel(y) * 2", ["no tensor named 'y'"]),
            ("i64:numel(x) * attr.k", ["the op has no attribute 'k'"]),
            ("f64:numel(x) * 2", ["unknown argument term 'f64:numel(x) * 2'"]),
        ]
        for (value, mentions) in cases {
            let path = try sidecar(argument(value))
            try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field 'ops[0].forward.float64.args[2]'"] + mentions)
        }
        let double = try sidecar([
            (#""elementwise": true"#, #""attributes": {"s": {"type": "double", "default": 1.0}}, "elementwise": true"#),
        ] + argument("i64:numel(x) * attr.s"))
        try expectLoadFails(double, mentioning: [double, "field 'ops[0].forward.float64.args[2]'",
                                                 "attribute 's' is of type double; arithmetic takes int attributes"])
        func output(_ size: String) -> [(String, String)] {
            [(#""elementwise": true,"#, #""output": {"shape": ["\#(size)"]},"#)]
        }
        let outputCases: [(String, [String])] = [
            ("(dim(x,0) - 1", ["malformed expression '(dim(x,0) - 1'", "expected ')'"]),
            ("dim(y,0) + 1", ["'dim(y,0) + 1' names no input"]),
            ("ndim(x) * 2", ["'ndim(x) * 2' is not a size"]),
            ("dim(x,0) + attr.n", ["names no int attribute"]),
        ]
        for (size, mentions) in outputCases {
            let path = try sidecar(output(size))
            try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field 'ops[0].output.shape[0]'"] + mentions)
        }
        // A huge value is refused before it can nest deep, and echoed cut short.
        for huge in [String(repeating: "1+", count: 5000) + "1", String(repeating: "(", count: 5000) + "1"] {
            let path = try sidecar(argument("i64:" + huge))
            try expectLoadFails(path, mentioning: [path, "field 'ops[0].forward.float64.args[2]'", "more than 256 operators"])
            let error = try #require(throws: AutogradError.self) { try OpRegistry.withBuiltins().loadPlugin(at: path) }
            #expect(error.message.count < 1000, "\(error.message.count) characters")
        }
    }

    @Test("an input declared as an object with a bad rank or field")
    func badInputDeclarations() throws {
        let cases: [(String, String, [String])] = [
            (#"{"name": "x", "ndim": -1}"#, "ops[0].inputs[0].ndim", ["expected a rank of 0 or more, got -1"]),
            (#"{"name": "x", "ndim": "2"}"#, "ops[0].inputs[0].ndim", ["expected an integer, got a string"]),
            (#"{"name": "x", "rank": 2}"#, "ops[0].inputs[0].rank", ["unknown field; expected one of: name, ndim"]),
            (#"{"ndim": 2}"#, "ops[0].inputs[0].name", ["missing; this field is required"]),
            ("3", "ops[0].inputs[0]", ["expected an input name or an object, got an integer"]),
        ]
        for (input, field, mentions) in cases {
            let path = try sidecar([(#""inputs": ["x"]"#, #""inputs": [\#(input)]"#)])
            try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field '\(field)'"] + mentions)
        }
    }

    @Test("a key repeated in one object, at any depth, even spelt with an escape")
    func duplicateKeys() throws {
        let forward = try sidecar([(#""forward": {"float64": "#, #""forward": {"float64": {"symbol": "bare_negate", "args": []}, "float64": "#)])
        try expectLoadFails(forward, mentioning: [forward, "op 'bare.negate'", "field 'ops[0].forward.float64'",
                                                  "'float64' appears twice in one object"])
        let escaped = try sidecar([(#""elementwise": true"#, #""elementwise": true, "elementwis\u0065": true"#)])
        try expectLoadFails(escaped, mentioning: [escaped, "op 'bare.negate'", "field 'ops[0].elementwise'", "appears twice"])
        let top = try writeTemporaryFile("top.json", TinyPlugin.sidecar(op: TinyPlugin.negateOp())
            .replacingOccurrences(of: #"{"abi": 1,"#, with: #"{"abi": 1, "abi": 1,"#))
        try expectLoadFails(top, mentioning: [top, "field 'abi'", "'abi' appears twice"])
        let kernel = try writeTemporaryFile("kernel.json", #"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)",
             "kernels": [{"op": "matmul", "dtype": "float64", "dtype": "float32", "symbol": "bare_negate", "args": ["ptr:out"]}]}
            """#)
        try expectLoadFails(kernel, mentioning: [kernel, "op 'matmul'", "field 'kernels[0].dtype'", "'dtype' appears twice"])
    }

    @Test("a kernel for a dtype its op has no forward kernel for")
    func kernelForUndeclaredDType() throws {
        let own = try writeTemporaryFile("own.json", #"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)", "ops": [\#(TinyPlugin.negateOp())],
             "kernels": [{"op": "bare.negate", "dtype": "float32", "symbol": "bare_negate", "args": ["ptr:x", "ptr:out", "i64:numel(x)"]}]}
            """#)
        try expectLoadFails(own, mentioning: [own, "op 'bare.negate'", "field 'kernels[0].dtype'",
                                              "has no float32 forward kernel (its dtypes: float64)", "would never run"])
        let registry = OpRegistry.withBuiltins()
        let (op, dtype) = try #require(registry.opNames.sorted().lazy.compactMap { name in
            DType.allCases.first { !((try? registry.op(named: name).definition.forward.supports($0)) ?? true) }.map { (name, $0) }
        }.first)
        let builtin = try writeTemporaryFile("builtin.json", #"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)",
             "kernels": [{"op": "\#(op)", "dtype": "\#(dtype)", "symbol": "bare_negate", "args": ["ptr:out"]}]}
            """#)
        try expectLoadFails(builtin, mentioning: [builtin, "op '\(op)'", "field 'kernels[0].dtype'", "has no \(dtype) forward kernel"])
    }

    @Test("an input and an attribute of the same name")
    func inputNamedLikeAttribute() throws {
        let path = try sidecar([(#""elementwise": true"#, #""attributes": {"x": {"type": "int", "default": 1}}, "elementwise": true"#)])
        try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field 'ops[0].attributes.x'",
                                               "'x' names both an input and an attribute"])
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
        let path = try writeTemporaryFile("two.json", manifest)
        try expectLoadFails(path, mentioning: [path, "op 'bare.negate2'", "field 'ops[1].backward.x.float64.symbol'"])
        let kernel = try writeTemporaryFile("kernel.json", #"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)",
             "kernels": [{"op": "matmull", "dtype": "float64", "symbol": "bare_negate", "args": ["ptr:a", "ptr:out"]}]}
            """#)
        try expectLoadFails(kernel, mentioning: [kernel, "op 'matmull'", "field 'kernels[0].op'", "no op named 'matmull'"])
    }

    @Test("a sidecar that names no library, and an embedded manifest that does")
    func libraryField() throws {
        let path = try writeTemporaryFile("nolib.json", #"{"abi": 1, "ops": [\#(TinyPlugin.negateOp())]}"#)
        try expectLoadFails(path, mentioning: [path, "must name the shared object in 'library'"])
        let missing = try writeTemporaryFile("missinglib.json", TinyPlugin.sidecar(library: "libnot-there.so.7", op: TinyPlugin.negateOp()))
        try expectLoadFails(missing, mentioning: [missing, "field 'library'", "cannot load 'libnot-there.so.7'"])
    }

    @Test("loading the same plugin twice is a no-op that returns the first load")
    func loadTwice() throws {
        let registry = OpRegistry.withBuiltins()
        let first = try registry.loadPlugin(at: TinyPlugin.library)
        let names = registry.opNames
        let link = URL(fileURLWithPath: try writeTemporaryFile("README", "")).deletingLastPathComponent().path + "/link.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: TinyPlugin.library)
        #expect(try registry.loadPlugin(at: TinyPlugin.library) == first)
        #expect(try registry.loadPlugin(at: link) == first)
        #expect(registry.opNames == names)
        #expect(first.opNames == ["tiny.axpb", "tiny.rowsum", "tiny.exp2"])
    }

    @Test("a sidecar beside a library without the manifest symbol is used")
    func sidecarBesideLibrary() throws {
        let directory = URL(fileURLWithPath: try writeTemporaryFile("libbare.json", TinyPlugin.sidecar(
            library: "libbare.so", op: TinyPlugin.negateOp()))).deletingLastPathComponent().path
        try FileManager.default.copyItem(atPath: TinyPlugin.bareLibrary, toPath: directory + "/libbare.so")
        for path in [directory + "/libbare.so", directory + "/libbare.json"] {
            let registry = OpRegistry.withBuiltins()
            let plugin = try registry.loadPlugin(at: path)
            #expect(plugin.opNames == ["bare.negate"])
            let x = Tensor([1.0, -2.0], dtype: .float64, requiresGrad: true)
            let y = try registry.call("bare.negate", [x])
            expectClose(y, Tensor([-1.0, 2.0], dtype: .float64), tolerance: 0)
            try y.sum().backward()
            expectClose(try #require(x.grad), Tensor([-1.0, -1.0], dtype: .float64), tolerance: 0)
        }
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
