import Foundation

/// The loss and accuracy curves of a run as a hand-written SVG: two panels (loss,
/// accuracy), each with axes, ticks, labels, a training and a test series, and a legend.
struct TrainingChart {
    var title: String
    var subtitle: String
    var history: [EpochRecord]

    private static let panelWidth = 460.0
    private static let panelHeight = 340.0
    private static let top = 70.0
    private static let colors = (train: "#1f77b4", test: "#ff7f0e")

    func svg() -> String {
        let width = Self.panelWidth * 2 + 20
        let height = Self.top + Self.panelHeight + 10
        let epochs = history.map { Double($0.epoch) }
        let losses = history.flatMap { [$0.train.loss, $0.test.loss] }
        let accuracies = history.flatMap { [$0.train.accuracy * 100, $0.test.accuracy * 100] }
        let lowestAccuracy = (accuracies.min() ?? 0) / 10
        let loss = Panel(
            title: "Cross-entropy loss", yLabel: "loss", x: 10, epochs: epochs,
            yRange: (0, max(losses.max() ?? 1, 1e-3)), legendAtTop: true,
            series: [
                Series(name: "training (mean over batches)", color: Self.colors.train, values: history.map(\.train.loss)),
                Series(name: "test", color: Self.colors.test, values: history.map(\.test.loss)),
            ])
        let accuracy = Panel(
            title: "Accuracy", yLabel: "accuracy (%)", x: 10 + Self.panelWidth, epochs: epochs,
            yRange: (lowestAccuracy.rounded(.down) * 10, 100), legendAtTop: false,
            series: [
                Series(name: "training (on the batches as trained)", color: Self.colors.train, values: history.map { $0.train.accuracy * 100 }),
                Series(name: "test", color: Self.colors.test, values: history.map { $0.test.accuracy * 100 }),
            ])
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" \
            viewBox="0 0 \(f(width)) \(f(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="28" text-anchor="middle" font-size="17" font-weight="bold">\(escaped(title))</text>
            <text x="\(f(width / 2))" y="50" text-anchor="middle" font-size="13" fill="#444">\(escaped(subtitle))</text>
            \(loss.svg(top: Self.top, width: Self.panelWidth, height: Self.panelHeight))
            \(accuracy.svg(top: Self.top, width: Self.panelWidth, height: Self.panelHeight))
            </svg>

            """
    }

    struct Series {
        var name: String
        var color: String
        var values: [Double]
    }

    /// One plot: its frame, ticks, grid, curves and legend.
    struct Panel {
        var title: String
        var yLabel: String
        var x: Double
        var epochs: [Double]
        var yRange: (Double, Double)
        var legendAtTop: Bool
        var series: [Series]

        func svg(top: Double, width: Double, height: Double) -> String {
            let (left, right, plotTop, bottom) = (x + 62, x + width - 16, top + 28, top + height - 48)
            // Epochs count from 1, so the first tick is 1 rather than the round 0.
            let xTicks = [1] + niceTicks(from: 1, to: max(epochs.last ?? 1, 2), count: 6).filter { $0 > 1 }
            let xMax = max(epochs.last ?? 1, 2)
            let yTicks = niceTicks(from: yRange.0, to: yRange.1, count: 6)
            let yMin = yTicks.first ?? yRange.0, yMax = max(yTicks.last ?? yRange.1, yRange.1)
            func px(_ epoch: Double) -> Double { left + (epoch - 1) / (xMax - 1) * (right - left) }
            func py(_ value: Double) -> Double { bottom - (value - yMin) / (yMax - yMin) * (bottom - plotTop) }

            var parts: [String] = []
            parts.append("<text x=\"\(f((left + right) / 2))\" y=\"\(f(top + 14))\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escaped(title))</text>")
            for tick in yTicks {
                let y = py(tick)
                parts.append("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>")
                parts.append("<line x1=\"\(f(left - 5))\" y1=\"\(f(y))\" x2=\"\(f(left))\" y2=\"\(f(y))\" stroke=\"#333\"/>")
                parts.append("<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(label(tick))</text>")
            }
            for tick in xTicks {
                let x = px(tick)
                parts.append("<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 5))\" stroke=\"#333\"/>")
                parts.append("<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\" font-size=\"11\">\(label(tick))</text>")
            }
            parts.append("<polyline points=\"\(f(left)),\(f(plotTop)) \(f(left)),\(f(bottom)) \(f(right)),\(f(bottom))\" fill=\"none\" stroke=\"#333\"/>")
            parts.append("<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 38))\" text-anchor=\"middle\" font-size=\"12\">epoch</text>")
            let midY = (plotTop + bottom) / 2
            parts.append("<text x=\"\(f(x + 16))\" y=\"\(f(midY))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 \(f(x + 16)) \(f(midY)))\">\(escaped(yLabel))</text>")
            for s in series {
                let points = zip(epochs, s.values).map { "\(f(px($0))),\(f(py($1)))" }
                parts.append("<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"/>")
                for point in points {
                    let xy = point.split(separator: ",")
                    parts.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(s.color)\"/>")
                }
            }
            let legendWidth = 230.0, legendHeight = Double(series.count) * 18 + 10
            let legendX = right - legendWidth - 8
            let legendY = legendAtTop ? plotTop + 8 : bottom - legendHeight - 8
            parts.append("<rect x=\"\(f(legendX))\" y=\"\(f(legendY))\" width=\"\(f(legendWidth))\" height=\"\(f(legendHeight))\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>")
            for (i, s) in series.enumerated() {
                let y = legendY + 14 + Double(i) * 18
                parts.append("<line x1=\"\(f(legendX + 8))\" y1=\"\(f(y - 4))\" x2=\"\(f(legendX + 30))\" y2=\"\(f(y - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"/>")
                parts.append("<text x=\"\(f(legendX + 36))\" y=\"\(f(y))\" font-size=\"11\">\(escaped(s.name))</text>")
            }
            return parts.joined(separator: "\n")
        }
    }
}

/// Tick values at a round step (1, 2 or 5 times a power of ten) spanning `low...high`.
func niceTicks(from low: Double, to high: Double, count: Int) -> [Double] {
    guard high > low else { return [low] }
    let rough = (high - low) / Double(max(count - 1, 1))
    let magnitude = pow(10, (log10(rough)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    let first = (low / step).rounded(.down) * step
    var ticks: [Double] = []
    var value = first
    while value < high + step * 0.999 {
        ticks.append(value)
        value = first + Double(ticks.count) * step
    }
    return ticks
}

private func f(_ value: Double) -> String {
    String(format: "%.1f", value)
}

private func label(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
}

private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
