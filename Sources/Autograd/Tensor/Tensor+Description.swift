import Foundation

/// Printing in PyTorch's format, so the tutorial's outputs read the same:
/// `tensor([2., 4., 6.])`, `tensor(30., grad_fn=<SumBackward0>)`,
/// `tensor([[1.5000]], requires_grad=True)`.
extension Tensor: CustomStringConvertible {
    /// The values as PyTorch prints them, with its suffixes: `dtype=torch.float64` (and the
    /// dtype of an empty tensor), `grad_fn=<...>` or `requires_grad=True`.
    ///
    /// Tensors of more than 1000 elements are summarised, as PyTorch does, with the first
    /// and last three entries of each long dim around `...`.
    public var description: String {
        let prefix = "tensor("
        let indent = prefix.count
        let values = scalars
        let summarize = values.count > Self.printThreshold
        let formatter = ScalarFormatter(values: summarize ? summarizedValues(values) : values, dtype: dtype)
        var body = rank == 0 ? formatter.format(values[0])
            : Self.render(values, shape: shape, dim: 0, base: 0, indent: indent + 1, formatter: formatter, summarize: summarize)

        var suffixes: [String] = []
        if scalarCount == 0 && shape != [0] { suffixes.append("size=(\(shape.map(String.init).joined(separator: ", ")))") }
        // float32, int64 and bool are the dtypes values imply; others, and empty tensors, say theirs.
        if dtype == .float64 || (scalarCount == 0 && dtype != .float32) { suffixes.append("dtype=torch.\(dtype.rawValue)") }
        if let gradFn { suffixes.append("grad_fn=<\(gradFn.name)>") } else if requiresGrad { suffixes.append("requires_grad=True") }
        // Suffixes wrap onto a new line past the line width, as PyTorch's _add_suffixes.
        for suffix in suffixes {
            let lastLine = (prefix + body).split(separator: "\n", omittingEmptySubsequences: false).last!.count
            body += lastLine + suffix.count + 2 > Self.lineWidth ? ",\n" + String(repeating: " ", count: indent) + suffix : ", " + suffix
        }
        return prefix + body + ")"
    }

    private static let printThreshold = 1000
    private static let edgeItems = 3
    private static let lineWidth = 80

    private static func render(
        _ values: [Double], shape: [Int], dim: Int, base: Int, indent: Int, formatter: ScalarFormatter, summarize: Bool
    ) -> String {
        let size = shape[dim]
        let step = Shape.count(Array(shape[(dim + 1)...]))
        let elided = summarize && size > 2 * edgeItems
        let indices = elided ? Array(0..<edgeItems) + [-1] + Array((size - edgeItems)..<size) : Array(0..<size)
        if dim == shape.count - 1 {
            let items = indices.map { $0 < 0 ? " ..." : formatter.format(values[base + $0]) }
            let perLine = Swift.max(1, (lineWidth - indent + 1) / (formatter.width + 2))
            let lines = stride(from: 0, to: items.count, by: perLine).map {
                items[$0..<Swift.min($0 + perLine, items.count)].joined(separator: ", ")
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent)) + "]"
        }
        let rows = indices.map { i in
            i < 0 ? "..." : render(values, shape: shape, dim: dim + 1, base: base + i * step,
                                   indent: indent + 1, formatter: formatter, summarize: summarize)
        }
        let separator = "," + String(repeating: "\n", count: shape.count - dim - 1) + String(repeating: " ", count: indent)
        return "[" + rows.joined(separator: separator) + "]"
    }

    /// The values a summarized print shows, which alone decide the number format.
    private func summarizedValues(_ values: [Double]) -> [Double] {
        var kept: [Double] = []
        func walk(_ dim: Int, _ base: Int) {
            if dim == rank { kept.append(values[base]); return }
            let size = shape[dim], step = Shape.count(Array(shape[(dim + 1)...]))
            let indices = size > 2 * Self.edgeItems
                ? Array(0..<Self.edgeItems) + Array((size - Self.edgeItems)..<size) : Array(0..<size)
            for i in indices { walk(dim + 1, base + i * step) }
        }
        walk(0, 0)
        return kept
    }
}

/// PyTorch's `_Formatter`: integral floats print as `2.`, other values with four
/// decimals, and a wide range of magnitudes in scientific notation; int64 tensors as
/// integers and bool ones as `True`/`False`; all padded to one width.
private struct ScalarFormatter {
    var integerMode = true
    var scientific = false
    var width = 1
    let dtype: DType

    init(values: [Double], dtype: DType) {
        self.dtype = dtype
        if dtype == .int64 || dtype == .bool {
            width = values.map { format($0).count }.max() ?? 1
            return
        }
        let finite = values.filter { $0.isFinite && $0 != 0 }
        guard !finite.isEmpty else { return }
        let magnitudes = finite.map(Swift.abs)
        let (low, high) = (magnitudes.min()!, magnitudes.max()!)
        integerMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        scientific = high / low > 1000 || high > 1e8 || (!integerMode && low < 1e-4)
        for v in finite {
            let text = scientific ? String(format: "%.4e", v) : integerMode ? String(format: "%.0f", v) + "." : String(format: "%.4f", v)
            width = Swift.max(width, text.count)
        }
    }

    func format(_ value: Double) -> String {
        var text: String
        if dtype == .bool {
            text = value != 0 ? "True" : "False"
        } else if dtype == .int64 {
            text = String(Int64(value))
        } else if value.isNaN {
            text = "nan"
        } else if value.isInfinite {
            text = value < 0 ? "-inf" : "inf"
        } else if scientific {
            text = String(format: "%.4e", value)
        } else if integerMode {
            text = String(format: "%.0f", value) + "."
        } else {
            text = String(format: "%.4f", value)
        }
        return String(repeating: " ", count: Swift.max(0, width - text.count)) + text
    }
}
