extension ConformanceReport {
    /// The report as JUnit XML: a test suite per op, a test case per row
    /// (named `check` or `check[dtype]`), with `<failure>` and `<skipped>` elements.
    public func junitXML(suiteName: String = "kernel-check") -> String {
        var ops: [String] = []
        var rowsByOp: [String: [CheckResult]] = [:]
        for row in results {
            if rowsByOp[row.op] == nil { ops.append(row.op) }
            rowsByOp[row.op, default: []].append(row)
        }
        var xml = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        xml.append("<testsuites name=\"\(escape(suiteName))\" tests=\"\(results.count)\" failures=\"\(failures.count)\" skipped=\"\(skipped.count)\">")
        for op in ops {
            let rows = rowsByOp[op]!
            let failed = rows.filter { $0.status == .fail }.count
            let skipped = rows.filter { $0.status == .skip }.count
            xml.append("  <testsuite name=\"\(escape(op))\" tests=\"\(rows.count)\" failures=\"\(failed)\" errors=\"0\" skipped=\"\(skipped)\">")
            for row in rows {
                let name = row.dtype.map { "\(row.check.rawValue)[\($0)]" } ?? row.check.rawValue
                xml.append("    <testcase classname=\"\(escape(suiteName)).\(escape(op))\" name=\"\(escape(name))\">")
                switch row.status {
                case .fail:
                    let body = ([row.message] + row.details).joined(separator: "\n")
                    xml.append("      <failure message=\"\(escape(row.message))\" type=\"\(row.check.rawValue)\">\(escape(body))</failure>")
                case .skip:
                    xml.append("      <skipped message=\"\(escape(row.message))\"/>")
                case .pass:
                    if !row.message.isEmpty { xml.append("      <system-out>\(escape(row.message))</system-out>") }
                }
                xml.append("    </testcase>")
            }
            xml.append("  </testsuite>")
        }
        xml.append("</testsuites>")
        return xml.joined(separator: "\n") + "\n"
    }

    /// Escapes markup characters and drops characters XML 1.0 cannot hold at all.
    private func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\r", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
