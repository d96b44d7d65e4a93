import Foundation
import Testing
import TestSupport
@testable import tour

/// `swift run tour` prints, section by section, what PyTorch printed for the tutorial.
@Suite("Tour")
struct TourTests {
    /// PyTorch's prints as Swift spells them: `None`, `True`, `False` and the
    /// one-element tuple `torch.autograd.grad` returns read as `nil`, `true`,
    /// `false` and an array.
    static func swiftSpelling(_ line: String) -> String {
        switch line {
        case "None": return "nil"
        case "True": return "true"
        case "False": return "false"
        default:
            if line.hasPrefix("("), line.hasSuffix(",)") { return "[" + line.dropFirst().dropLast(2) + "]" }
            return line
        }
    }

    /// The tour's headings and printed values; sections PyTorch's run printed
    /// nothing for (their notes are indented like code) drop out.
    static func printedSections(_ lines: [String]) -> [String] {
        var result: [String] = []
        var heading: String?
        for line in lines where !line.isEmpty && !line.hasPrefix("    ") {
            if line.hasPrefix("== ") {
                heading = line
            } else {
                if let pending = heading { result.append(pending); heading = nil }
                result.append(line)
            }
        }
        return result
    }

    @Test("every printed line equals PyTorch's, in the tutorial's order")
    func matchesPyTorchLineByLine() throws {
        let url = Fixtures.url("pytorch-prints.txt", in: "TourTests")
        let expected = try String(contentsOf: url, encoding: .utf8)
            .split(separator: "\n").map { Self.swiftSpelling(String($0)) }
        var output = TourOutput()
        try Tour.run(into: &output)
        let printed = Self.printedSections(output.lines)
        #expect(printed.count == expected.count, "the tour printed \(printed.count) lines, PyTorch \(expected.count)")
        for (index, (swift, pytorch)) in zip(printed, expected).enumerated() {
            #expect(swift == pytorch, "line \(index + 1)")
        }
    }

    @Test("every section shows its Swift code, and the training patterns learn")
    func showsCodeAndTrains() throws {
        var output = TourOutput()
        try Tour.run(into: &output)
        let headings = output.lines.filter { $0.hasPrefix("== ") }
        #expect(headings.count == 12)
        for (index, line) in output.lines.enumerated() where line.hasPrefix("== ") {
            #expect(output.lines[index + 1].hasPrefix("    "), "\(line) shows no code")
        }
        let note = try #require(output.lines.first { $0.contains("validation loss:") })
        let numbers = note.split(separator: " ").compactMap { Double($0) }
        #expect(numbers.count == 3 && numbers[1] < numbers[0] / 10, "\(note)")  // before, after, steps
    }
}
