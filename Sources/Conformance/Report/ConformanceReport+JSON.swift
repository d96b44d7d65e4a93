import Foundation

extension ConformanceReport {
    /// The report as JSON: `{"summary": {...}, "results": [...]}`, one object per row.
    /// Non-finite errors are written as the strings "inf", "-inf" and "nan".
    public func json() throws -> String {
        let encoder = Self.encoder
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = Document(summary: .init(passed: passed.count, failed: failures.count, skipped: skipped.count),
                                results: results)
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// Reads a report written by `json()`.
    public init(json: Data) throws {
        self.init(results: try Self.decoder.decode(Document.self, from: json).results)
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    private struct Document: Codable {
        struct Summary: Codable {
            var passed, failed, skipped: Int
        }
        var summary: Summary
        var results: [CheckResult]
    }
}
