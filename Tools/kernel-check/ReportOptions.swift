import ArgumentParser
import Conformance
import Foundation

/// How and where the report is written.
struct ReportOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, junit
    }

    @Option(help: "The report format: text, json or junit (JUnit XML).")
    var format: Format = .text

    @Option(help: "Write the report to this file instead of standard output.")
    var output: String?

    /// Writes the report; with --output, the summary line still goes to standard output.
    func write(_ report: ConformanceReport) throws {
        let text: String
        switch format {
        case .text: text = report.text()
        case .json: text = try report.json()
        case .junit: text = report.junitXML()
        }
        guard let output else {
            print(text, terminator: "")
            return
        }
        do {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("--output: cannot write \(output): \(error.localizedDescription)")
        }
        print(report.summary)
    }
}
