import Foundation

extension ConformanceReport {
    /// One line per op and check: status, op, check, dtype, worst error against its
    /// tolerance and the message; a failure's details indented below; the summary last.
    public func text() -> String {
        let opWidth = results.map(\.op.count).max() ?? 0
        let checkWidth = results.map(\.check.rawValue.count).max() ?? 0
        var lines: [String] = []
        for row in results {
            var line = row.status.rawValue.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)
            line += " " + row.op.padding(toLength: opWidth, withPad: " ", startingAt: 0)
            line += "  " + row.check.rawValue.padding(toLength: checkWidth, withPad: " ", startingAt: 0)
            line += "  " + (row.dtype ?? "-").padding(toLength: 7, withPad: " ", startingAt: 0)
            if let error = row.worstError, let tolerance = row.tolerance {
                let relation = error <= tolerance ? "<=" : ">"
                line += "  worst \(Self.format(error)) \(relation) tol \(Self.format(tolerance))"
            }
            if !row.message.isEmpty { line += "  " + row.message }
            lines.append(line)
            lines += row.details.map { "      " + $0 }
        }
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.1e", value) : "\(value)"
    }
}
