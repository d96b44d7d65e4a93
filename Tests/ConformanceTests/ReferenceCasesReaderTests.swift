import Conformance
import Foundation
import Testing

/// Malformed case files are errors naming the file, the case and what is wrong.
@Suite struct ReferenceCasesReaderTests {
    /// A format-1 file of one `neg` case whose input has `shape`.
    static func file(inputShape shape: String) -> Data {
        Data("""
            {"cases": [{"id": "c-1", "op": "neg", "kind": "vjp", "dtype": "float64",
                        "inputs": [{"shape": \(shape), "data": []}],
                        "output": {"shape": [0], "data": []}, "upstream": {"shape": [0], "data": []},
                        "grads": [null]}]}
            """.utf8)
    }

    func expectError(_ json: Data, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) { try ReferenceCases(json: json, source: "bad.json") } throws: { error in
            "\(error)".contains("cases file bad.json: case c-1 (neg)") && "\(error)".contains(text)
        }
    }

    /// Once a trap: the element count overflowed while it was checked against the data.
    @Test func aShapeWhoseSizeOverflowsIsAnError() {
        expectError(Self.file(inputShape: "[4294967296, 4294967296, 0]"), mentioning: "more elements than an Int can count")
    }

    @Test func aNegativeSizeIsAnError() {
        expectError(Self.file(inputShape: "[-1, 0]"), mentioning: "has a negative size")
    }
}
