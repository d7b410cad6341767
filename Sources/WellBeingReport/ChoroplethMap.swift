import Foundation
import WellBeingAnalysis
import WellBeingCore

/// A district choropleth of one indicator's means, as SVG (DESIGN §22).
///
/// - Projection: equirectangular with longitude scaled by cos(mean latitude), fitted to the map's box (exact
///   enough for a city: the error across 30 km is under 0.1 %).
/// - Paths are simplified to what the page shows (Douglas–Peucker at half a pixel) and rounded to 0.1 px, so
///   the same boundaries give the same bytes; each district is one `<path data-group="…" data-value="…">`,
///   its `fill` the colour of its class.
/// - Classes are fixed per answer scale, not fitted to the data, so maps of different years compare: breaks at
///   50, 55, 60, 65 and 70 % of the scale's range (0–10: 5, 5.5, 6, 6.5, 7; 1–5: 3, 3.2, 3.4, 3.6, 3.8).
/// - Colours: ColorBrewer's 6-class YlGnBu, a sequential scheme marked safe for colour-blind readers and for
///   print (Brewer, colorbrewer2.org); unstable estimates (n < 30) are hatched over their colour; withheld
///   districts are grey with the reason, and nothing of their figures is in the SVG (no value, no n).
/// - Labels sit at each district's pole of inaccessibility (the inner point farthest from its edge); a label
///   that would overlap another or leave the map is left out (the chart and table beside name every district).
public struct ChoroplethMap: Sendable {
    /// What one district shows.
    public enum Shade: Sendable, Hashable {
        /// A mean, its class, and whether it is unstable (hatched).
        case value(mean: Double, classIndex: Int, unstable: Bool)
        /// Withheld, with the reason shown in the legend and the path's title.
        case withheld(reason: String)
        /// Nobody answered (or the district has no estimate).
        case noAnswers
    }

    /// The words a map prints, in the report's language.
    public struct Wording: Sendable {
        public var legendTitle: String
        public var unstable: String
        public var withheld: String
        public var noAnswers: String
        public var credit: String

        public init(legendTitle: String, unstable: String, withheld: String, noAnswers: String, credit: String) {
            self.legendTitle = legendTitle
            self.unstable = unstable
            self.withheld = withheld
            self.noAnswers = noAnswers
            self.credit = credit
        }
    }

    /// ColorBrewer YlGnBu, 6 classes (light = low, dark = high).
    public static let palette = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"]
    public static let withheldFill = "#b0b0b0"
    public static let noAnswersFill = "#ffffff"

    /// The fixed class breaks of a scale from `minimum` to `maximum`: 50, 55, 60, 65 and 70 % of its range.
    public static func breaks(minimum: Int, maximum: Int) -> [Double] {
        let span = Double(maximum - minimum)
        return [0.5, 0.55, 0.6, 0.65, 0.7].map { ((Double(minimum) + span * $0) * 100).rounded() / 100 }
    }

    /// The class of `mean`: 0 below the first break, … 5 at or above the last.
    public static func classIndex(of mean: Double, breaks: [Double]) -> Int {
        breaks.firstIndex { mean < $0 } ?? breaks.count
    }

    /// A class as its range of means: `< 5.00`, `6.00–6.50`, `≥ 7.00`.
    public static func classLabel(_ index: Int, breaks: [Double]) -> String {
        if index == 0 { return "< \(ReportText.number(breaks[0], 2))" }
        if index >= breaks.count { return "≥ \(ReportText.number(breaks[breaks.count - 1], 2))" }
        return "\(ReportText.number(breaks[index - 1], 2))–\(ReportText.number(breaks[index], 2))"
    }

    /// The shade of an estimate: withheld (with `withheldReason`), no answers, or its class.
    public static func shade(of estimate: IndicatorEstimate?, breaks: [Double], withheldReason: (IndicatorEstimate) -> String) -> Shade {
        guard let estimate else { return .noAnswers }
        if estimate.suppressed { return .withheld(reason: withheldReason(estimate)) }
        guard let mean = estimate.mean else { return .noAnswers }
        return .value(mean: mean, classIndex: classIndex(of: mean, breaks: breaks), unstable: estimate.unstable)
    }

    /// What every map of the same boundaries shares, computed once: each district's path, the outlines and the
    /// labels, in pixels.
    public struct Layout: Sendable {
        let width: Double
        let mapHeight: Double
        /// Each district with its name as the reader reads it (labels, tooltips) and its path.
        let districts: [(group: GroupName, name: String, path: String)]
        let outlines: String
        let labels: String

        /// `name` gives a district's name as the report's reader reads it (the instrument's English name in English).
        public init(boundaries: DistrictBoundaries, width: Double = 480, mapHeight: Double = 400,
                    name: (GroupName) -> String = \.rawValue) {
            let projection = Projection(boundaries: boundaries, width: width, height: mapHeight, padding: 8)
            let byDistrict = Dictionary(grouping: boundaries.areas, by: \.district)
            var districts: [(GroupName, String, String)] = []
            var outlines = ""
            var labelTargets: [(name: String, point: Point, area: Double)] = []
            for district in boundaries.districts {
                let polygons = (byDistrict[district] ?? []).flatMap(\.polygons)
                let rings = ChoroplethMap.simplified(polygons.map { polygon in polygon.map { ring in ring.map(projection.project) } })
                let outline = ChoroplethMap.outlineData(of: polygons, projection: projection)
                // Where the district's areas meet edge to edge, its outline is closed and is the district dissolved:
                // filled even–odd, it is the whole district in a fraction of the bytes of all its areas.
                let dissolved = outline.closed && !outline.loops.isEmpty
                let shownName = name(district)
                districts.append((district, shownName, dissolved ? outline.data : ChoroplethMap.pathData(rings)))
                outlines += outline.data
                // The label goes inside the district's largest part: its largest loop (with the loops inside it as
                // holes) when dissolved, else its largest polygon.
                let parts = dissolved ? [outline.loops.sorted { ChoroplethMap.area($0) > ChoroplethMap.area($1) }] : rings
                if let largest = parts.max(by: { ChoroplethMap.area($0.first ?? []) < ChoroplethMap.area($1.first ?? []) }) {
                    labelTargets.append((shownName, PoleOfInaccessibility.find(largest), ChoroplethMap.area(largest.first ?? [])))
                }
            }
            self.width = width
            self.mapHeight = projection.usedHeight
            self.districts = districts
            self.outlines = outlines
            self.labels = ChoroplethMap.labels(labelTargets, width: width, height: projection.usedHeight)
        }
    }

    /// The SVG of a map of `boundaries`, each district shaded by `shades` (districts without a shade: no answers);
    /// the districts' paths are grouped in `<g data-indicator="…">`.
    public static func svg(id: String, indicator: IndicatorID, title: String, description: String, boundaries: DistrictBoundaries,
                           shades: [GroupName: Shade], breaks: [Double], wording: Wording) -> String {
        svg(id: id, indicator: indicator, title: title, description: description, layout: Layout(boundaries: boundaries),
            shades: shades, breaks: breaks, wording: wording)
    }

    /// The SVG of a map laid out beforehand (several indicators on the same boundaries).
    public static func svg(id: String, indicator: IndicatorID, title: String, description: String, layout: Layout,
                           shades: [GroupName: Shade], breaks: [Double], wording: Wording) -> String {
        var svg = """
            <defs><pattern id="\(id)-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
            <line x1="0" y1="0" x2="0" y2="6" stroke="#222" stroke-width="1.2" stroke-opacity="0.6"/></pattern></defs>

            """
        svg += "<g data-indicator=\"\(escapeMarkup(indicator.rawValue))\">\n"
        var hatches = ""
        for (district, districtName, path) in layout.districts {
            let shade = shades[district] ?? .noAnswers
            let fill: String, value: String, tooltip: String
            switch shade {
            case let .value(mean, classIndex, unstable):
                fill = palette[classIndex]
                value = ReportText.number(mean, 2)
                tooltip = "\(districtName): \(value)" + (unstable ? " (\(wording.unstable))" : "")
                if unstable {
                    hatches += "<path d=\"\(path)\" fill=\"url(#\(id)-hatch)\" fill-rule=\"evenodd\" stroke=\"none\" pointer-events=\"none\"/>\n"
                }
            case let .withheld(reason):
                fill = withheldFill
                value = "withheld"
                tooltip = "\(districtName): \(reason)"
            case .noAnswers:
                fill = noAnswersFill
                value = "none"
                tooltip = "\(districtName): \(wording.noAnswers)"
            }
            // Stroked in its own colour, so that seams between a district's areas (町丁 of one 地区) do not show;
            // the outlines are drawn once all districts are filled.
            svg += "<path data-group=\"\(escapeMarkup(district.rawValue))\" data-value=\"\(value)\" d=\"\(path)\" fill=\"\(fill)\" "
                + "fill-rule=\"evenodd\" stroke=\"\(fill)\" stroke-width=\"0.6\" stroke-linejoin=\"round\">"
                + "<title>\(escapeMarkup(tooltip))</title></path>\n"
        }
        svg += "</g>\n" + hatches
        svg += "<path d=\"\(layout.outlines)\" fill=\"none\" stroke=\"#555\" stroke-width=\"0.8\" stroke-linejoin=\"round\" pointer-events=\"none\"/>\n"
        svg += layout.labels
        let (legend, bottom) = Self.legend(top: layout.mapHeight + 8, width: layout.width, breaks: breaks, shades: shades,
                                           wording: wording, id: id)
        return ChartDrawing.open(width: layout.width, height: bottom + 6, id: id, title: title, description: description)
            + svg + legend + "</svg>\n"
    }

    // MARK: Geometry

    struct Point: Hashable {
        var x: Double
        var y: Double
    }

    /// Equirectangular, longitude scaled by cos(mean latitude), fitted into width × height with a padding.
    struct Projection {
        var minLongitude = 0.0, maxLatitude = 0.0, cosine = 1.0, scale = 1.0, offsetX = 0.0, offsetY = 0.0
        var usedHeight: Double

        init(boundaries: DistrictBoundaries, width: Double, height: Double, padding: Double) {
            var minLon = Double.infinity, maxLon = -Double.infinity, minLat = Double.infinity, maxLat = -Double.infinity
            for area in boundaries.areas {
                for polygon in area.polygons {
                    for position in polygon.first ?? [] {
                        minLon = min(minLon, position.longitude)
                        maxLon = max(maxLon, position.longitude)
                        minLat = min(minLat, position.latitude)
                        maxLat = max(maxLat, position.latitude)
                    }
                }
            }
            guard minLon.isFinite else {
                usedHeight = height
                return
            }
            cosine = cos((minLat + maxLat) / 2 * .pi / 180)
            let spanX = max((maxLon - minLon) * cosine, 1e-9), spanY = max(maxLat - minLat, 1e-9)
            scale = min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY)
            minLongitude = minLon
            maxLatitude = maxLat
            usedHeight = (spanY * scale + 2 * padding).rounded(.up)
            offsetX = (width - spanX * scale) / 2
            offsetY = padding
        }

        func project(_ position: DistrictBoundaries.Position) -> Point {
            Point(x: offsetX + (position.longitude - minLongitude) * cosine * scale,
                  y: offsetY + (maxLatitude - position.latitude) * scale)
        }
    }

    /// Rings in pixels simplified to half a pixel (without their repeated last point); rings that shrink below
    /// three points at that tolerance are left out (they would not show), unless that leaves a district nothing,
    /// when its outer rings stay as they are.
    static func simplified(_ polygons: [[[Point]]]) -> [[[Point]]] {
        let result = polygons.map { polygon in polygon.map { simplifyRing($0, tolerance: 0.5) }.filter { $0.count >= 3 } }
            .filter { !$0.isEmpty }
        if !result.isEmpty { return result }
        return polygons.compactMap { polygon in polygon.first.map { [Array($0.dropLast())] } }.filter { $0[0].count >= 3 }
    }

    /// SVG path data of simplified rings, each closed, coordinates rounded to 0.1 px.
    static func pathData(_ polygons: [[[Point]]]) -> String {
        polygons.flatMap { $0 }.map { ring in
            "M" + ring.map { "\(ChartDrawing.f($0.x)) \(ChartDrawing.f($0.y))" }.joined(separator: "L") + "Z"
        }.joined()
    }

    /// A position on the stored grid (1e-7 degree), so that an edge two areas share matches exactly.
    struct Vertex: Hashable, Comparable {
        var x: Int64
        var y: Int64

        init(_ position: DistrictBoundaries.Position) {
            x = Int64((position.longitude * 1e7).rounded())
            y = Int64((position.latitude * 1e7).rounded())
        }

        static func < (a: Vertex, b: Vertex) -> Bool { (a.x, a.y) < (b.x, b.y) }

        var position: DistrictBoundaries.Position { .init(longitude: Double(x) / 1e7, latitude: Double(y) / 1e7) }
    }

    /// Path data of a district's outline: the edges of its rings that no other of its rings shares (an edge
    /// between two of its areas appears twice), chained into lines and simplified to half a pixel; and whether
    /// every line closed (every vertex met an even number of outline edges), so that the outline bounds the district.
    static func outlineData(of polygons: [DistrictBoundaries.Polygon], projection: Projection)
        -> (data: String, closed: Bool, loops: [[Point]]) {
        struct Edge: Hashable { var a: Vertex, b: Vertex }
        var counts: [Edge: Int] = [:]
        var order: [Edge] = []
        for ring in polygons.flatMap({ $0 }) {
            for index in ring.indices.dropLast() {
                let a = Vertex(ring[index]), b = Vertex(ring[index + 1])
                if a == b { continue }
                let edge = a < b ? Edge(a: a, b: b) : Edge(a: b, b: a)
                if counts[edge] == nil { order.append(edge) }
                counts[edge, default: 0] += 1
            }
        }
        var adjacency: [Vertex: [Vertex]] = [:]
        for edge in order where counts[edge]! % 2 == 1 {
            adjacency[edge.a, default: []].append(edge.b)
            adjacency[edge.b, default: []].append(edge.a)
        }
        // Lines start at their ends first (odd degree), then around closed loops, in a fixed order.
        let starts = adjacency.keys.sorted { (adjacency[$0]!.count % 2, $1) > (adjacency[$1]!.count % 2, $0) }
        let closed = adjacency.values.allSatisfy { $0.count % 2 == 0 }
        var data = ""
        var loops: [[Point]] = []
        for start in starts {
            while let first = adjacency[start]?.last {
                var line = [start]
                var current = start, next = first
                while true {
                    adjacency[current]!.removeLast()
                    if let back = adjacency[next]!.lastIndex(of: current) { adjacency[next]!.remove(at: back) }
                    line.append(next)
                    current = next
                    guard let following = adjacency[current]?.last else { break }
                    next = following
                }
                let points = line.map { projection.project($0.position) }
                let loop = line.first == line.last
                let simplified = loop ? simplifyRing(points, tolerance: 0.5) : douglasPeucker(points, tolerance: 0.5)
                guard simplified.count >= (loop ? 3 : 2) else { continue }
                if loop { loops.append(simplified) }
                data += "M" + simplified.map { "\(ChartDrawing.f($0.x)) \(ChartDrawing.f($0.y))" }.joined(separator: "L") + (loop ? "Z" : "")
            }
        }
        return (data, closed, loops)
    }

    /// A closed ring (first = last) simplified with Douglas–Peucker, split at the point farthest from the
    /// first so that both halves have distinct ends; returned without the repeated last point.
    static func simplifyRing(_ ring: [Point], tolerance: Double) -> [Point] {
        var points = ring
        if points.count > 1, points.first == points.last { points.removeLast() }
        guard points.count > 3 else { return points }
        let first = points[0]
        var farthest = 1, distance = -1.0
        for index in 1..<points.count {
            let d = hypot(points[index].x - first.x, points[index].y - first.y)
            if d > distance { (farthest, distance) = (index, d) }
        }
        let head = douglasPeucker(Array(points[0...farthest]), tolerance: tolerance)
        let tail = douglasPeucker(Array(points[farthest...]) + [first], tolerance: tolerance)
        return head + tail.dropFirst().dropLast()
    }

    static func douglasPeucker(_ points: [Point], tolerance: Double) -> [Point] {
        guard points.count > 2 else { return points }
        var keep = [Bool](repeating: false, count: points.count)
        keep[0] = true
        keep[points.count - 1] = true
        var stack = [(0, points.count - 1)]
        while let (start, end) = stack.popLast() {
            guard end > start + 1 else { continue }
            var worst = start, worstDistance = 0.0
            for index in (start + 1)..<end {
                let d = segmentDistance(points[index], points[start], points[end])
                if d > worstDistance { (worst, worstDistance) = (index, d) }
            }
            if worstDistance > tolerance {
                keep[worst] = true
                stack.append((start, worst))
                stack.append((worst, end))
            }
        }
        return points.indices.filter { keep[$0] }.map { points[$0] }
    }

    static func segmentDistance(_ p: Point, _ a: Point, _ b: Point) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        guard lengthSquared > 0 else { return hypot(p.x - a.x, p.y - a.y) }
        let t = max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSquared))
        return hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy))
    }

    /// The absolute area of a ring (shoelace).
    static func area(_ ring: [Point]) -> Double {
        guard ring.count > 2 else { return 0 }
        var sum = 0.0
        for index in ring.indices {
            let a = ring[index], b = ring[(index + 1) % ring.count]
            sum += a.x * b.y - b.x * a.y
        }
        return abs(sum) / 2
    }

    // MARK: Labels and legend

    /// Names at their poles of inaccessibility, largest district first; one that would overlap a placed name or
    /// leave the map moves a line up or down, else is left out.
    static func labels(_ targets: [(name: String, point: Point, area: Double)], width: Double, height: Double) -> String {
        var placed: [(x0: Double, y0: Double, x1: Double, y1: Double)] = []
        var svg = "<g font-size=\"11\" text-anchor=\"middle\" fill=\"#111\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\" "
            + "stroke-linejoin=\"round\" pointer-events=\"none\">\n"
        for target in targets.sorted(by: { ($0.area, $1.name) > ($1.area, $0.name) }) {
            let textWidth = target.name.unicodeScalars.reduce(0.0) { $0 + ($1.value > 0x2E80 ? 11 : 6.2) }
            for dy in [0.0, -12, 12] {
                let x = target.point.x, y = target.point.y + dy
                let box = (x0: x - textWidth / 2 - 1, y0: y - 10, x1: x + textWidth / 2 + 1, y1: y + 3)
                guard box.x0 >= 0, box.x1 <= width, box.y0 >= 0, box.y1 <= height,
                      !placed.contains(where: { $0.x0 < box.x1 && box.x0 < $0.x1 && $0.y0 < box.y1 && box.y0 < $0.y1 }) else { continue }
                placed.append(box)
                svg += "<text x=\"\(ChartDrawing.f(x))\" y=\"\(ChartDrawing.f(y))\">\(escapeMarkup(target.name))</text>\n"
                break
            }
        }
        return svg + "</g>\n"
    }

    /// The legend under the map: the classes, the marks this map uses, and the credit line; and its bottom.
    static func legend(top: Double, width: Double, breaks: [Double], shades: [GroupName: Shade], wording: Wording,
                       id: String) -> (String, Double) {
        var svg = ChartDrawing.text(8, top + 11, wording.legendTitle, size: 12, weight: "bold")
        let swatch = 14.0, step = (width - 16) / Double(palette.count)
        for (index, colour) in palette.enumerated() {
            let x = 8 + step * Double(index)
            let label = classLabel(index, breaks: breaks)
            svg += "<rect x=\"\(ChartDrawing.f(x))\" y=\"\(ChartDrawing.f(top + 18))\" width=\"\(swatch)\" height=\"\(swatch)\" "
                + "fill=\"\(colour)\" stroke=\"#555\" stroke-width=\"0.6\"/>\n"
            svg += ChartDrawing.text(x + swatch + 3, top + 29, label, size: 11)
        }
        // The marks that appear on this map: unstable (hatched), withheld (grey, with the reasons), no answers.
        var x = 8.0
        let y = top + 42
        var extras: [(fill: String, hatched: Bool, text: String)] = []
        let values = Array(shades.values)
        if values.contains(where: { if case .value(_, _, true) = $0 { true } else { false } }) {
            extras.append((palette[2], true, wording.unstable))
        }
        let reasons = Set(values.compactMap { if case let .withheld(reason) = $0 { reason } else { nil } }).sorted()
        for reason in reasons { extras.append((withheldFill, false, reason)) }
        if values.contains(.noAnswers) { extras.append((noAnswersFill, false, wording.noAnswers)) }
        var row = 0.0
        for extra in extras {
            let textWidth = extra.text.unicodeScalars.reduce(0.0) { $0 + ($1.value > 0x2E80 ? 11 : 6.2) }
            if x > 8, x + swatch + 4 + textWidth > width - 4 {
                x = 8
                row += 18
            }
            let rect = "x=\"\(ChartDrawing.f(x))\" y=\"\(ChartDrawing.f(y + row))\" width=\"\(swatch)\" height=\"\(swatch)\""
            svg += "<rect \(rect) fill=\"\(extra.fill)\" stroke=\"#555\" stroke-width=\"0.6\"/>\n"
            if extra.hatched { svg += "<rect \(rect) fill=\"url(#\(id)-hatch)\" stroke=\"none\"/>\n" }
            svg += ChartDrawing.text(x + swatch + 3, y + row + 11, extra.text, size: 11)
            x += swatch + 16 + textWidth
        }
        var creditY = y + row + (extras.isEmpty ? 4 : 30)
        for (index, line) in wrapped(wording.credit, width: width - 16, fontSize: 10).enumerated() {
            if index > 0 { creditY += 13 }
            svg += ChartDrawing.text(8, creditY, line, size: 10)
        }
        return (svg, creditY)
    }

    /// `text` in lines no wider than `width` (estimated: full-width characters one em, others 0.56 em), broken
    /// after a space or a slash where one is near, else anywhere.
    static func wrapped(_ text: String, width: Double, fontSize: Double) -> [String] {
        var lines: [String] = []
        var line = "", lineWidth = 0.0
        for character in text {
            let characterWidth = (character.unicodeScalars.first?.value ?? 0) > 0x2E80 ? fontSize : fontSize * 0.56
            if lineWidth + characterWidth > width, !line.isEmpty {
                if let cut = line.lastIndex(where: { $0 == " " || $0 == "/" }), line.distance(from: cut, to: line.endIndex) < 24 {
                    let rest = String(line[line.index(after: cut)...])
                    lines.append(String(line[...cut]).trimmingCharacters(in: .whitespaces))
                    line = rest
                } else {
                    lines.append(line)
                    line = ""
                }
                lineWidth = line.reduce(0.0) { $0 + (($1.unicodeScalars.first?.value ?? 0) > 0x2E80 ? fontSize : fontSize * 0.56) }
            }
            line.append(character)
            lineWidth += characterWidth
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}

/// The pole of inaccessibility of a polygon: the inner point farthest from its edge, where a label reads best
/// (Mapbox's polylabel: a quadtree search to a precision of one pixel).
enum PoleOfInaccessibility {
    typealias Point = ChoroplethMap.Point

    static func find(_ polygon: [[Point]], precision: Double = 1) -> Point {
        guard let outer = polygon.first, outer.count >= 3 else { return polygon.first?.first ?? Point(x: 0, y: 0) }
        let xs = outer.map(\.x), ys = outer.map(\.y)
        let minX = xs.min()!, maxX = xs.max()!, minY = ys.min()!, maxY = ys.max()!
        let cellSize = min(maxX - minX, maxY - minY)
        if cellSize <= 0 { return Point(x: minX, y: minY) }
        struct Cell { var x, y, half, distance, potential: Double }
        func cell(_ x: Double, _ y: Double, _ half: Double) -> Cell {
            let d = signedDistance(Point(x: x, y: y), polygon)
            return Cell(x: x, y: y, half: half, distance: d, potential: d + half * 2.0.squareRoot())
        }
        var queue: [Cell] = []
        var x = minX
        while x < maxX {
            var y = minY
            while y < maxY {
                queue.append(cell(x + cellSize / 2, y + cellSize / 2, cellSize / 2))
                y += cellSize
            }
            x += cellSize
        }
        let centroid = centroidCell(outer)
        var best = cell(centroid.x, centroid.y, 0)
        let boxCentre = cell(minX + (maxX - minX) / 2, minY + (maxY - minY) / 2, 0)
        if boxCentre.distance > best.distance { best = boxCentre }
        var iterations = 0
        while !queue.isEmpty, iterations < 10_000 {
            iterations += 1
            let index = queue.indices.max { queue[$0].potential < queue[$1].potential }!
            let current = queue.remove(at: index)
            if current.distance > best.distance { best = current }
            if current.potential - best.distance <= precision { continue }
            let h = current.half / 2
            for (dx, dy) in [(-h, -h), (h, -h), (-h, h), (h, h)] { queue.append(cell(current.x + dx, current.y + dy, h)) }
        }
        return Point(x: best.x, y: best.y)
    }

    static func centroidCell(_ ring: [Point]) -> Point {
        var area = 0.0, x = 0.0, y = 0.0
        for index in ring.indices {
            let a = ring[index], b = ring[(index + 1) % ring.count]
            let f = a.x * b.y - b.x * a.y
            x += (a.x + b.x) * f
            y += (a.y + b.y) * f
            area += f * 3
        }
        return area == 0 ? ring[0] : Point(x: x / area, y: y / area)
    }

    /// Distance to the nearest edge, positive inside (even–odd over all rings), negative outside.
    static func signedDistance(_ point: Point, _ polygon: [[Point]]) -> Double {
        var inside = false
        var nearest = Double.infinity
        for ring in polygon {
            var j = ring.count - 1
            for i in ring.indices {
                let a = ring[i], b = ring[j]
                if (a.y > point.y) != (b.y > point.y), point.x < (b.x - a.x) * (point.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
                nearest = min(nearest, ChoroplethMap.segmentDistance(point, a, b))
                j = i
            }
        }
        return (inside ? 1 : -1) * nearest
    }
}
