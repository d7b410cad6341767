import Foundation

/// A chart as inline SVG, with the table of the numbers it shows.
///
/// Charts are drawn by this code, not by a script: no JavaScript, no external resources, coordinates
/// rounded to 0.1 so that the same figures give the same bytes. Every chart has a `<title>` and a `<desc>`,
/// and tells its series apart by line style and marker shape as well as colour, so it reads in grayscale.
public struct SVGChart: Sendable {
    /// Used for file names (Markdown) and element ids (HTML).
    public var id: String
    public var title: String
    public var description: String
    public var svg: String
    public var table: ResultTable
}

/// Escapes text for XML and HTML (element content and attribute values).
public func escapeMarkup(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        case "\u{202A}"..."\u{202E}", "\u{2066}"..."\u{2069}", "\u{200E}", "\u{200F}", "\u{061C}":
            // Bidirectional controls from data would reorder the text around them: shown, not obeyed.
            escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        default:
            // Control characters other than tab and newline are not allowed in XML.
            if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" { escaped += " " } else { escaped.unicodeScalars.append(scalar) }
        }
    }
    return escaped
}

/// Builds the SVG markup of the report's charts.
enum ChartDrawing {
    static let ink = "#222", grid = "#bbb", accent = "#1f5fa8", second = "#b3541e", faint = "#e6e6e6"

    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    static func open(width: Double, height: Double, id: String, title: String, description: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(f(width)) \(f(height))" width="\(f(width))" height="\(f(height))" \
        role="img" aria-labelledby="\(id)-title \(id)-desc" font-family="sans-serif" font-size="11">
        <title id="\(id)-title">\(escapeMarkup(title))</title>
        <desc id="\(id)-desc">\(escapeMarkup(description))</desc>

        """
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Double? = nil,
                     weight: String? = nil) -> String {
        var attributes = "x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" fill=\"\(ink)\""
        if let size { attributes += " font-size=\"\(f(size))\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        return "<text \(attributes)>\(escapeMarkup(content))</text>\n"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = grid, width: Double = 1,
                     dash: String? = nil) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\""
            + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
    }

    static func marker(_ x: Double, _ y: Double, square: Bool, colour: String, filled: Bool) -> String {
        let fill = filled ? colour : "#fff"
        if square {
            return "<rect x=\"\(f(x - 3.5))\" y=\"\(f(y - 3.5))\" width=\"7\" height=\"7\" fill=\"\(fill)\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
        }
        return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(fill)\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
    }

    /// A radar of deviation scores (30–70 rings) with up to two series: solid with dots, dashed with squares.
    ///
    /// Each axis's name stands beyond its spoke, away from the web; a long name within 37° of the horizontal (where
    /// the spokes leave room) wraps at a space onto two lines, and the side margins grow to fit the widest name, so
    /// that no name (an English one) runs out of the chart. The top name stands a little higher than the spoke's end,
    /// clear of its neighbours'.
    static func radar(id: String, title: String, description: String, axes: [String],
                      series: [(name: String, values: [Double?])], size: Double = 300) -> String {
        let radius = size / 2 - 10
        func angle(_ axis: Int) -> Double { -Double.pi / 2 + 2 * Double.pi * Double(axis) / Double(max(axes.count, 1)) }
        let labels = axes.enumerated().map { axis, name -> (dx: Double, dy: Double, anchor: String, lines: [String]) in
            let (dx, dy) = ((radius + 8) * cos(angle(axis)), (radius + 8) * sin(angle(axis)))
            let anchor = abs(dx) < 5 ? "middle" : (dx > 0 ? "start" : "end")
            return (dx, dy, anchor, abs(dy) < 0.6 * (radius + 8) ? wrapped(name, over: 20) : [name])
        }
        let overhang = labels.map { label -> Double in
            let widest = label.lines.map { textWidth($0, size: 15) }.max() ?? 0
            return label.anchor == "middle" ? widest / 2 - size / 2 : abs(label.dx) + widest - size / 2
        }
        let labelMargin = max(130, (overhang.max() ?? 0) + 6)
        let width = size + 2 * labelMargin, height = size + 80
        let centre = (x: width / 2, y: size / 2 + 30)
        func point(_ axis: Int, _ score: Double) -> (Double, Double) {
            let r = radius * (min(max(score, 20), 80) - 20) / 60
            return (centre.x + r * cos(angle(axis)), centre.y + r * sin(angle(axis)))
        }
        var svg = open(width: width, height: height, id: id, title: title, description: description)
        // Rings every 10 from 30 to the rim at 80; scores are clamped to 20–80, so every marker lies on the web.
        for ring in [30.0, 40, 50, 60, 70, 80] {
            let points = axes.indices.map { point($0, ring) }.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
            svg += "<polygon points=\"\(points)\" fill=\"none\" stroke=\"\(ring == 50 ? "#888" : grid)\" stroke-width=\"\(ring == 50 ? 1.2 : 0.6)\"/>\n"
        }
        for (axis, label) in labels.enumerated() {
            let (x, y) = (centre.x + label.dx, centre.y + label.dy)
            svg += line(centre.x, centre.y, point(axis, 80).0, point(axis, 80).1, width: 0.5)
            // Printed half a page wide, the chart shrinks to about 60 %: 15 here reads as 8–9 pt on paper.
            let first = label.anchor != "middle" ? y + 5 - 8.5 * Double(label.lines.count - 1) : (y < centre.y ? y - 5 : y + 13)
            for (index, text) in label.lines.enumerated() {
                svg += self.text(x, first + 17 * Double(index), text, anchor: label.anchor, size: 15)
            }
        }
        // The rings' values, beside the first axis on a white halo, so that no data line runs through them.
        for ring in [30.0, 50, 70] {
            let (x, y) = point(0, ring)
            svg += "<text x=\"\(f(x - 4))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\" stroke=\"#fff\" "
                + "stroke-width=\"3\" paint-order=\"stroke\">\(f(ring))</text>\n"
        }
        let styles: [(colour: String, dash: String?, square: Bool, filled: Bool)] = [(accent, nil, false, true), (second, "5 3", true, false)]
        for (index, entry) in series.enumerated() {
            let style = styles[index % styles.count]
            let present = entry.values.enumerated().compactMap { axis, value in value.map { point(axis, $0) } }
            guard !present.isEmpty else { continue }  // nothing drawn: no legend entry either
            if present.count == entry.values.count && present.count >= 3 {
                let points = present.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
                svg += "<polygon points=\"\(points)\" fill=\"none\" stroke=\"\(style.colour)\" stroke-width=\"1.8\""
                    + (style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>\n"
            } else {
                // Lines between neighbouring axes that both have a value; a missing axis breaks the line.
                let count = entry.values.count
                for axis in 0..<count {
                    guard let a = entry.values[axis], let b = entry.values[(axis + 1) % count], count >= 3 else { continue }
                    let (x1, y1) = point(axis, a), (x2, y2) = point((axis + 1) % count, b)
                    svg += line(x1, y1, x2, y2, stroke: style.colour, width: 1.8, dash: style.dash)
                }
            }
            for (x, y) in present { svg += marker(x, y, square: style.square, colour: style.colour, filled: style.filled) }
            // Legend.
            let legendY = height - 16, legendX = 10 + Double(index) * 230
            svg += line(legendX, legendY, legendX + 24, legendY, stroke: style.colour, width: 1.8, dash: style.dash)
            svg += marker(legendX + 12, legendY, square: style.square, colour: style.colour, filled: style.filled)
            svg += text(legendX + 30, legendY + 5, entry.name, size: 14)
        }
        return svg + "</svg>\n"
    }

    /// `text` on two lines, split at the space nearest its middle, when it is wider than `limit` columns.
    static func wrapped(_ text: String, over limit: Int) -> [String] {
        guard TextTable.displayWidth(text) > limit else { return [text] }
        let middle = text.count / 2
        let spaces = text.indices.filter { text[$0] == " " }
        guard let split = spaces.min(by: { abs(text.distance(from: text.startIndex, to: $0) - middle) < abs(text.distance(from: text.startIndex, to: $1) - middle) })
        else { return [text] }
        return [String(text[..<split]), String(text[text.index(after: split)...])]
    }

    /// About how wide `text` is drawn at `size` px: a wide (CJK) character 1 em, any other 0.56 em.
    static func textWidth(_ text: String, size: Double) -> Double {
        text.reduce(0) { sum, character in sum + (TextTable.displayWidth(String(character)) > 1 ? size : 0.56 * size) }
    }

    /// Horizontal dots with confidence whiskers, one row per label; missing values say so.
    static func whiskers(id: String, title: String, description: String, labels: [String],
                         values: [(mean: Double?, low: Double?, high: Double?)], domain: ClosedRange<Double>,
                         missingText: [String], reference: Double? = nil, axisTitle: String, referenceLabel: String? = nil) -> String {
        let rowHeight = 20.0, labelWidth = 120.0, plotWidth = 380.0, top = 10.0
        let height = top + rowHeight * Double(labels.count) + 48
        let width = labelWidth + plotWidth + 20
        func x(_ value: Double) -> Double {
            labelWidth + plotWidth * (min(max(value, domain.lowerBound), domain.upperBound) - domain.lowerBound)
                / (domain.upperBound - domain.lowerBound)
        }
        var svg = open(width: width, height: height, id: id, title: title, description: description)
        let axisY = top + rowHeight * Double(labels.count) + 5
        for tick in stride(from: domain.lowerBound, through: domain.upperBound, by: niceStep(domain)) {
            svg += line(x(tick), top, x(tick), axisY, stroke: faint)
            svg += text(x(tick), axisY + 14, f(tick), anchor: "middle", size: 9)
        }
        svg += text(labelWidth + plotWidth / 2, axisY + 30, axisTitle, anchor: "middle", size: 10)
        if let reference {
            svg += line(x(reference), top, x(reference), axisY, stroke: "#666", dash: "4 3")
            if let referenceLabel {
                svg += line(width - 150, axisY + 26, width - 130, axisY + 26, stroke: "#666", dash: "4 3")
                svg += text(width - 126, axisY + 30, referenceLabel, size: 9)
            }
        }
        for (index, label) in labels.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            svg += text(labelWidth - 6, y + 4, label, anchor: "end")
            let value = values[index]
            guard let mean = value.mean else {
                svg += text(labelWidth + 4, y + 4, index < missingText.count ? missingText[index] : "—", size: 9)
                continue
            }
            if let low = value.low, let high = value.high {
                svg += line(x(low), y, x(high), y, stroke: ink, width: 1.2)
                svg += line(x(low), y - 4, x(low), y + 4, stroke: ink, width: 1.2)
                svg += line(x(high), y - 4, x(high), y + 4, stroke: ink, width: 1.2)
            }
            svg += marker(x(mean), y, square: false, colour: accent, filled: true)
        }
        return svg + "</svg>\n"
    }

    /// Vertical bars of shares over the values of a scale.
    static func histogram(id: String, title: String, description: String, labels: [String], shares: [Double]) -> String {
        let width = 520.0, height = 220.0, left = 40.0, bottom = 190.0, top = 15.0
        let barWidth = (width - left - 10) / Double(max(labels.count, 1))
        let peak = max(shares.max() ?? 0, 0.01)
        let scaleTop = (peak * 10).rounded(.up) / 10
        var svg = open(width: width, height: height, id: id, title: title, description: description)
        for tick in stride(from: 0.0, through: scaleTop + 1e-9, by: scaleTop / 4) {
            let y = bottom - (bottom - top) * tick / scaleTop
            svg += line(left, y, width - 10, y, stroke: faint)
            svg += text(left - 4, y + 4, "\(f(tick * 100))%", anchor: "end", size: 9)
        }
        for (index, share) in shares.enumerated() {
            let barHeight = (bottom - top) * share / scaleTop
            let x = left + Double(index) * barWidth
            svg += "<rect x=\"\(f(x + 3))\" y=\"\(f(bottom - barHeight))\" width=\"\(f(barWidth - 6))\" height=\"\(f(barHeight))\" fill=\"\(accent)\" stroke=\"\(ink)\" stroke-width=\"0.6\"/>\n"
            svg += text(x + barWidth / 2, bottom + 14, labels[index], anchor: "middle", size: 10)
        }
        svg += line(left, bottom, width - 10, bottom, stroke: ink)
        return svg + "</svg>\n"
    }

    /// Importance (x: r) against score (y: mean), split at the means into four named quadrants.
    static func quadrants(id: String, title: String, description: String, points: [(label: String, r: Double, mean: Double)],
                          splitR: Double, splitMean: Double, names: (priority: String, strength: String, maintain: String, monitor: String),
                          axisNames: (x: String, y: String)) -> String {
        let width = 560.0, height = 420.0, left = 50.0, right = 20.0, top = 20.0, bottom = 50.0
        let rs = points.map(\.r) + [splitR], means = points.map(\.mean) + [splitMean]
        let xRange = padded((rs.min() ?? 0)...(rs.max() ?? 1)), yRange = padded((means.min() ?? 0)...(means.max() ?? 1))
        func x(_ value: Double) -> Double { left + (width - left - right) * (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) }
        func y(_ value: Double) -> Double { height - bottom - (height - top - bottom) * (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) }
        var svg = open(width: width, height: height, id: id, title: title, description: description)
        svg += "<rect x=\"\(f(x(splitR)))\" y=\"\(f(y(splitMean)))\" width=\"\(f(x(xRange.upperBound) - x(splitR)))\" height=\"\(f(y(yRange.lowerBound) - y(splitMean)))\" fill=\"#f3e3da\"/>\n"
        svg += line(x(splitR), top, x(splitR), height - bottom, stroke: "#666", dash: "4 3")
        svg += line(left, y(splitMean), width - right, y(splitMean), stroke: "#666", dash: "4 3")
        svg += text(width - right - 4, height - bottom - 6, names.priority, anchor: "end", weight: "bold")
        svg += text(width - right - 4, top + 12, names.strength, anchor: "end", weight: "bold")
        svg += text(left + 4, top + 12, names.maintain, weight: "bold")
        svg += text(left + 4, height - bottom - 6, names.monitor, weight: "bold")
        svg += line(left, height - bottom, width - right, height - bottom, stroke: ink)
        svg += line(left, top, left, height - bottom, stroke: ink)
        svg += text((left + width - right) / 2, height - 12, axisNames.x, anchor: "middle")
        svg += "<text x=\"14\" y=\"\(f((top + height - bottom) / 2))\" text-anchor=\"middle\" fill=\"\(ink)\" transform=\"rotate(-90 14 \(f((top + height - bottom) / 2)))\">\(escapeMarkup(axisNames.y))</text>\n"
        for tick in [xRange.lowerBound, splitR, xRange.upperBound] {
            svg += text(x(tick), height - bottom + 14, String(format: "%.2f", tick), anchor: "middle", size: 9)
        }
        for tick in [yRange.lowerBound, splitMean, yRange.upperBound] {
            svg += text(left - 4, y(tick) + 4, String(format: "%.2f", tick), anchor: "end", size: 9)
        }
        for point in points {
            svg += marker(x(point.r), y(point.mean), square: false, colour: accent, filled: true)
        }
        // Labels beside their points, moved to the first free place so that none covers another.
        var placed: [(x0: Double, y0: Double, x1: Double, y1: Double)] = points.map { point in
            (x(point.r) - 4, y(point.mean) - 4, x(point.r) + 4, y(point.mean) + 4)
        }
        for point in points.sorted(by: { $0.mean > $1.mean }) {
            let labelWidth = Double(TextTable.displayWidth(point.label)) * 5.2 + 2, labelHeight = 11.0
            let px = x(point.r), py = y(point.mean)
            // Beside the point first, then further above, below and aside; where every place is taken, the least
            // covered. A label away from its point gets a leader line.
            var candidates: [(Double, Double, String)] = []
            for dx: Double in [0, 14, 28, 42] {
                for dy: Double in [3, -5, 12, -16, 23, -27, 34, -38, 45, -49] {
                    candidates.append((px + 6 + dx, py + dy, "start"))
                    candidates.append((px - 6 - dx, py + dy, "end"))
                }
            }
            func distance(_ candidate: (Double, Double, String)) -> Double {
                abs(candidate.0 - px) + abs(candidate.1 - 3 - py) * 0.8
            }
            candidates.sort { distance($0) < distance($1) }
            func box(_ candidate: (Double, Double, String)) -> (x0: Double, y0: Double, x1: Double, y1: Double) {
                let x0 = candidate.2 == "start" ? candidate.0 : candidate.0 - labelWidth
                return (x0, candidate.1 - labelHeight + 2, x0 + labelWidth, candidate.1 + 2)
            }
            func covered(_ candidate: (Double, Double, String)) -> Double {
                let b = box(candidate)
                let outside = (b.x0 < 0 || b.x1 > width || b.y0 < 0 || b.y1 > height) ? 1e6 : 0
                return outside + placed.reduce(0) { sum, p in
                    sum + max(0, min(p.x1, b.x1) - max(p.x0, b.x0)) * max(0, min(p.y1, b.y1) - max(p.y0, b.y0))
                }
            }
            let free = candidates.first { covered($0) == 0 } ?? candidates.min { covered($0) < covered($1) }!
            let frame = box(free)
            placed.append(frame)
            if abs(free.1 - 3 - py) > 6 || abs(free.0 - px) > 7 {
                // From the point to the nearest edge of the label.
                let lx = min(max(px, frame.x0), frame.x1), ly = min(max(py, frame.y0), frame.y1)
                svg += line(px, py, lx, ly, stroke: "#888", width: 0.6)
            }
            svg += text(free.0, free.1, point.label, anchor: free.2, size: 10)
        }
        return svg + "</svg>\n"
    }

    /// Changes with 95 % intervals around zero; significant ones drawn filled and marked ★.
    static func changes(id: String, title: String, description: String, labels: [String],
                        rows: [(difference: Double?, se: Double?, significant: Bool)], missingText: String,
                        axisTitle: String) -> String {
        let spans = rows.compactMap { row in row.difference.flatMap { d in row.se.map { abs(d) + 1.96 * $0 } } }
        // The axis runs to a round number, with ticks on round numbers that their labels name exactly.
        let reach = max((spans.max() ?? 0.1) * 1.1, 0.05)
        let step = niceStep(0...reach)
        let extent = (reach / step).rounded(.up) * step
        let rowHeight = 20.0, labelWidth = 130.0, plotWidth = 360.0, top = 10.0
        let height = top + rowHeight * Double(labels.count) + 46
        let width = labelWidth + plotWidth + 30
        func x(_ value: Double) -> Double { labelWidth + plotWidth * (value + extent) / (2 * extent) }
        var svg = open(width: width, height: height, id: id, title: title, description: description)
        let axisY = top + rowHeight * Double(labels.count) + 5
        svg += line(x(0), top, x(0), axisY, stroke: "#666")
        let decimals = step >= 1 ? 0 : (step * 10 == (step * 10).rounded() ? 1 : 2)
        let count = Int((extent / step).rounded())
        for index in -count...count {
            let tick = Double(index) * step
            svg += line(x(tick), axisY - 3, x(tick), axisY + 2, stroke: "#666")
            let label = index == 0 ? "0" : (index > 0 ? "+" : "−") + String(format: "%.\(decimals)f", abs(tick))
            svg += text(x(tick), axisY + 14, label, anchor: "middle", size: 9)
        }
        svg += text(labelWidth + plotWidth / 2, axisY + 30, axisTitle, anchor: "middle", size: 10)
        for (index, label) in labels.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            let row = rows[index]
            svg += text(labelWidth - 6, y + 4, (row.significant ? "★ " : "") + label, anchor: "end")
            guard let difference = row.difference, let se = row.se else {
                svg += text(x(0) + 4, y + 4, missingText, size: 9)
                continue
            }
            svg += line(x(difference - 1.96 * se), y, x(difference + 1.96 * se), y, stroke: ink, width: 1.2)
            svg += marker(x(difference), y, square: true, colour: row.significant ? second : ink, filled: row.significant)
        }
        return svg + "</svg>\n"
    }

    static func padded(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        let span = max(range.upperBound - range.lowerBound, 0.01)
        return (range.lowerBound - span * 0.08)...(range.upperBound + span * 0.08)
    }

    static func niceStep(_ domain: ClosedRange<Double>) -> Double {
        let span = domain.upperBound - domain.lowerBound
        for step in [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20] where span / step <= 10 { return step }
        return span / 10
    }
}

extension ChartDrawing {
    /// Diverging 100 % bars, one row per question: the lower answers to the left of the centre line, the
    /// higher to the right, the middle answer split across it; each answer value has its own shade, darker
    /// towards the ends, and shares of 8 % or more are printed in their segment.
    static func diverging(id: String, title: String, description: String, labels: [String], shares: [[Double]],
                          legend: [String]) -> String {
        let rowHeight = 22.0, labelWidth = 230.0, plotWidth = 420.0, top = 10.0
        let height = top + rowHeight * Double(labels.count) + 58
        let width = labelWidth + plotWidth + 20
        let centre = labelWidth + plotWidth / 2
        let values = legend.count
        let fills = values == 5 ? ["#8c3b12", "#d9a184", "#d4d4d4", "#8fb3d9", "#1f5fa8"]
            : (0..<values).map { index in index < values / 2 ? "#d9a184" : (index == values / 2 && values % 2 == 1 ? "#d4d4d4" : "#8fb3d9") }
        let darkText: Set<Int> = values == 5 ? [1, 2, 3] : []
        var svg = open(width: width, height: height, id: id, title: title, description: description)
        let axisY = top + rowHeight * Double(labels.count) + 4
        for tick in stride(from: -1.0, through: 1.0, by: 0.5) {
            let x = centre + tick * plotWidth / 2
            svg += line(x, top, x, axisY, stroke: tick == 0 ? "#666" : faint)
            svg += text(x, axisY + 12, "\(Int(abs(tick) * 100))%", anchor: "middle", size: 9)
        }
        for (row, label) in labels.enumerated() {
            let y = top + rowHeight * Double(row)
            svg += text(labelWidth - 6, y + rowHeight / 2 + 4, label, anchor: "end", size: 10)
            let part = shares[row]
            guard part.count == values else { continue }
            let middle = values / 2
            let leftShare = part[..<middle].reduce(0, +) + (values % 2 == 1 ? part[middle] / 2 : 0)
            var x = centre - leftShare * plotWidth / 2
            for (index, share) in part.enumerated() where share > 0 {
                let segment = share * plotWidth / 2
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y + 3))\" width=\"\(f(segment))\" height=\"\(f(rowHeight - 6))\" fill=\"\(fills[index])\" stroke=\"#fff\" stroke-width=\"0.5\"/>\n"
                if share >= 0.08 {
                    svg += "<text x=\"\(f(x + segment / 2))\" y=\"\(f(y + rowHeight / 2 + 3.5))\" text-anchor=\"middle\" font-size=\"9\" fill=\"\(darkText.contains(index) ? ink : "#fff")\">\(Int((share * 100).rounded()))</text>\n"
                }
                x += segment
            }
        }
        // Legend, one swatch per answer value.
        var legendX = labelWidth - 200
        let legendY = axisY + 28
        for (index, name) in legend.enumerated() {
            svg += "<rect x=\"\(f(legendX))\" y=\"\(f(legendY - 8))\" width=\"12\" height=\"10\" fill=\"\(fills[index])\" stroke=\"\(ink)\" stroke-width=\"0.4\"/>\n"
            svg += text(legendX + 16, legendY + 1, name, size: 9)
            legendX += 16 + Double(TextTable.displayWidth(name)) * 5.2 + 14
        }
        return svg + "</svg>\n"
    }
}
