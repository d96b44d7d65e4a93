import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Load errors of the manifest's richer declarations: arithmetic, input ranks,
/// and the strictness checks (repeated keys, undeclared dtypes, name clashes).
extension PluginLoadingErrorTests {
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
        let top = try TemporaryFiles.write(TinyPlugin.sidecar(op: TinyPlugin.negateOp())
            .replacingOccurrences(of: #"{"abi": 1,"#, with: #"{"abi": 1, "abi": 1,"#), to: "top.json")
        try expectLoadFails(top, mentioning: [top, "field 'abi'", "'abi' appears twice"])
        let kernel = try TemporaryFiles.write(#"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)",
             "kernels": [{"op": "matmul", "dtype": "float64", "dtype": "float32", "symbol": "bare_negate", "args": ["ptr:out"]}]}
            """#, to: "kernel.json")
        try expectLoadFails(kernel, mentioning: [kernel, "op 'matmul'", "field 'kernels[0].dtype'", "'dtype' appears twice"])
    }

    /// Once a trap: JSONDecoder reads UTF-16 and UTF-32, and the duplicate-key scan then
    /// ran off the end of the bytes (found by the plugin-manifest fuzz target).
    @Test("a sidecar saved as UTF-16 or UTF-32 is an error; a UTF-8 byte-order mark is skipped")
    func textEncodings() throws {
        let text = TinyPlugin.sidecar(op: TinyPlugin.negateOp())
        for encoding in [String.Encoding.utf16LittleEndian, .utf16, .utf32LittleEndian] {
            let url = TemporaryFiles.url("manifest-encoding", "wide.json")
            try #require(text.data(using: encoding)).write(to: url)
            try expectLoadFails(url.path, mentioning: [url.path, "a manifest is UTF-8 JSON", "NUL byte at offset"])
        }
        let marked = TemporaryFiles.url("manifest-encoding", "marked.json")
        try Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)).write(to: marked)
        #expect(try OpRegistry.withBuiltins().loadPlugin(at: marked.path).opNames == ["bare.negate"])
        // The scan for repeated keys reads past the mark.
        let repeated = TemporaryFiles.url("manifest-encoding", "repeated.json")
        let twice = text.replacingOccurrences(of: #"{"abi": 1,"#, with: #"{"abi": 1, "abi": 1,"#)
        try Data([0xEF, 0xBB, 0xBF] + Array(twice.utf8)).write(to: repeated)
        try expectLoadFails(repeated.path, mentioning: [repeated.path, "'abi' appears twice"])
    }

    @Test("a kernel for a dtype its op has no forward kernel for")
    func kernelForUndeclaredDType() throws {
        let own = try TemporaryFiles.write(#"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)", "ops": [\#(TinyPlugin.negateOp())],
             "kernels": [{"op": "bare.negate", "dtype": "float32", "symbol": "bare_negate", "args": ["ptr:x", "ptr:out", "i64:numel(x)"]}]}
            """#, to: "own.json")
        try expectLoadFails(own, mentioning: [own, "op 'bare.negate'", "field 'kernels[0].dtype'",
                                              "has no float32 forward kernel (its dtypes: float64)", "would never run"])
        let registry = OpRegistry.withBuiltins()
        let (op, dtype) = try #require(registry.opNames.sorted().lazy.compactMap { name in
            DType.allCases.first { !((try? registry.op(named: name).definition.forward.supports($0)) ?? true) }.map { (name, $0) }
        }.first)
        let builtin = try TemporaryFiles.write(#"""
            {"abi": 1, "library": "\#(TinyPlugin.bareLibrary)",
             "kernels": [{"op": "\#(op)", "dtype": "\#(dtype)", "symbol": "bare_negate", "args": ["ptr:out"]}]}
            """#, to: "builtin.json")
        try expectLoadFails(builtin, mentioning: [builtin, "op '\(op)'", "field 'kernels[0].dtype'", "has no \(dtype) forward kernel"])
    }

    @Test("an input and an attribute of the same name")
    func inputNamedLikeAttribute() throws {
        let path = try sidecar([(#""elementwise": true"#, #""attributes": {"x": {"type": "int", "default": 1}}, "elementwise": true"#)])
        try expectLoadFails(path, mentioning: [path, "op 'bare.negate'", "field 'ops[0].attributes.x'",
                                               "'x' names both an input and an attribute"])
    }
}
