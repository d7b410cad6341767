import Foundation
import WellBeingCore

/// Renders a report as one self-contained HTML file: inline CSS and SVG, no scripts, no external requests,
/// a print stylesheet for A4. Every text from data is escaped.
public enum HTMLRenderer {
    public static func render(_ document: ReportDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="\(document.language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escapeMarkup(document.title))</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <header><h1>\(escapeMarkup(document.title))</h1><p class="subtitle">\(escapeMarkup(document.subtitle))</p></header>

            """
        let headings = document.blocks.compactMap { block -> (String, String)? in
            if case let .heading(2, text, anchor) = block { return (text, anchor) }
            return nil
        }
        html += "<nav><ol>" + headings.map { "<li><a href=\"#\(escapeMarkup($0.1))\">\(escapeMarkup($0.0))</a></li>" }.joined() + "</ol></nav>\n<main>\n"
        for block in document.blocks { html += render(block) }
        html += "</main>\n<footer>wellbeing</footer>\n</body>\n</html>\n"
        return html
    }

    static func render(_ block: ReportDocument.Block) -> String {
        switch block {
        case let .heading(level, text, anchor):
            return "<h\(level) id=\"\(escapeMarkup(anchor))\">\(escapeMarkup(text))</h\(level)>\n"
        case let .paragraph(text):
            return "<p>\(escapeMarkup(text))</p>\n"
        case let .bullets(items):
            return "<ul>\n" + items.map { "<li>\(escapeMarkup($0))</li>\n" }.joined() + "</ul>\n"
        case let .note(text):
            return "<p class=\"note\">\(escapeMarkup(text))</p>\n"
        case let .shadeKey(entries):
            return "<p class=\"shade-key\">" + entries.map { "<span class=\"\(escapeMarkup($0.shade))\">\(escapeMarkup($0.label))</span>" }.joined(separator: " ")
                + "</p>\n"
        case let .table(table, caption, shadedFrom):
            return "<div class=\"table-wrap\">" + renderTable(table, caption: caption, shadedFrom: shadedFrom) + "</div>\n"
        case let .chart(chart):
            return figure(chart)
        case let .chartGrid(charts, table, caption):
            return "<div class=\"grid\">\n" + charts.map { figure($0, withTable: false) }.joined() + "</div>\n"
                + "<div class=\"table-wrap\">" + renderTable(table, caption: caption, shadedFrom: nil, className: "data") + "</div>\n"
        }
    }

    public static func figure(_ chart: SVGChart, withTable: Bool = true) -> String {
        // Inline SVG in HTML needs no namespace attribute (a URI that a reader might take for a request).
        let svg = chart.svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        return "<figure id=\"\(escapeMarkup(chart.id))\">\n<figcaption>\(escapeMarkup(chart.title))</figcaption>\n\(svg)"
            + (withTable ? renderTable(chart.table, caption: chart.title, shadedFrom: nil, className: "data") : "") + "</figure>\n"
    }

    public static func renderTable(_ table: ResultTable, caption: String, shadedFrom: Int?, className: String = "results") -> String {
        // Tables of many columns print smaller, so that they fit an A4 page's width.
        let classes = className + (table.headers.count > 9 || table.printsSmall ? " wide" : "")
        var html = "<table class=\"\(classes)\"><caption>\(escapeMarkup(caption))</caption>\n<thead><tr>"
        html += table.headers.map { "<th scope=\"col\">\(escapeMarkup($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (rowIndex, row) in table.rows.enumerated() {
            html += "<tr>"
            for (index, cell) in row.enumerated() {
                let text = escapeMarkup(ResultTable.display(cell))
                var classes: [String] = []
                if case .text = cell {} else { classes.append("num") }
                if let shadedFrom, index >= shadedFrom, case let .number(value?, _) = cell,
                   table.distinguishable?.contains([rowIndex, index]) ?? true {
                    classes.append(shade(value))
                }
                if case .marked(nil, _, _) = cell { classes.append("withheld") }
                if case let .text(value) = cell, value.count == 64, value.allSatisfy(\.isHexDigit) { classes.append("hash") }
                if let extra = table.cellClasses?[[rowIndex, index]] { classes.append(extra) }
                let attribute = classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\""
                html += index == 0 ? "<th scope=\"row\"\(attribute)>\(text)</th>" : "<td\(attribute)>\(text)</td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    /// A shading class for a deviation score.
    static func shade(_ value: Double) -> String {
        switch value {
        case 60...: return "hi2"
        case 55..<60: return "hi1"
        case ..<40: return "lo2"
        case 40..<45: return "lo1"
        default: return "mid"
        }
    }

    public static let stylesheet = """

        :root { color-scheme: light; }
        body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif; color: #222;
               max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.6; }
        h1 { font-size: 1.6rem; margin-bottom: 0; } .subtitle { margin-top: .2rem; color: #555; }
        h2 { border-bottom: 2px solid #1f5fa8; padding-bottom: .2rem; margin-top: 2.2rem; font-size: 1.25rem; }
        h3 { font-size: 1.05rem; }
        nav ol { columns: 2; font-size: .9rem; }
        .note { border-left: 4px solid #888; padding: .3rem .8rem; background: #f4f4f4; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .85rem; }
        caption { text-align: left; font-weight: bold; padding-bottom: .2rem; }
        th, td { border: 1px solid #ccc; padding: .15rem .45rem; }
        thead th { background: #eef2f7; }
        tbody th { text-align: left; font-weight: normal; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.num, th.num, td.nowrap { white-space: nowrap; }
        .hi2 { background: #9ec3e8; font-weight: bold; } .hi1 { background: #d4e5f6; }
        .lo2 { background: #f2b79b; font-weight: bold; } .lo1 { background: #f8ddd0; }
        .shade-key { font-size: .8rem; } .shade-key span { padding: .05rem .4rem; border: 1px solid #ccc; white-space: nowrap; }
        td.withheld { color: #555; text-align: right; }
        td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: .7rem; word-break: break-all; }
        caption, h2, h3, figcaption { break-after: avoid; }
        td.st-achieved { background: #b9e0b9; font-weight: bold; } td.st-not-achieved { background: #f6c29f; font-weight: bold; }
        td.st-unclear { background: #ececec; } td.st-none { color: #555; font-style: italic; }
        td.st-achieved, td.st-not-achieved, td.st-unclear, td.st-none { white-space: nowrap; }
        figure { margin: 1rem 0 1.5rem; } figcaption { font-weight: bold; margin-bottom: .3rem; }
        figure svg { max-width: 100%; height: auto; }
        table.data { font-size: .75rem; } table.data th:first-child { white-space: nowrap; }
        .grid { display: flex; flex-wrap: wrap; gap: .5rem 1rem; }
        .grid figure { width: 30rem; margin: .3rem 0; }
        footer { margin-top: 3rem; color: #777; font-size: .8rem; }
        @page { size: A4; margin: 14mm 12mm; }
        @media print {
          body { max-width: none; padding: 0; font-size: 10pt; }
          nav { display: none; }
          /* A heading stays with what follows it; a chart stays whole, and a table too where it fits a page. */
          h2, h3, caption, figcaption, .shade-key { break-after: avoid; }
          /* A section's opening paragraph stays with its first table or chart, not alone at a page's foot. */
          h2 + p, h3 + p { break-after: avoid; }
          figure svg, table, .note, .shade-key, tr, li { break-inside: avoid; }
          p { orphans: 2; widows: 2; }
          table.wide { font-size: 7.5pt; } table.wide th, table.wide td { padding: .1rem .2rem; }
          table.data.wide { font-size: 7pt; }
          /* Romanised names are wider than kanji: in English, the column headers of wide tables stand upright. */
          html[lang="en"] table.wide thead th + th { writing-mode: vertical-rl; white-space: nowrap; text-align: left; }
          .grid figure { width: 48%; }
          .hi2, .hi1, .lo2, .lo1, td.st-achieved, td.st-not-achieved, td.st-unclear { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }

        """
}

/// Renders a report as GitHub-flavoured Markdown, with each chart written as an SVG file beside it.
public enum MarkdownRenderer {
    /// The Markdown text and the chart files (relative path → SVG) it links to.
    public static func render(_ document: ReportDocument, chartFolder: String) -> (markdown: String, charts: [(path: String, svg: String)]) {
        var lines = ["# \(escape(document.title))", "", escape(document.subtitle), ""]
        var charts: [(String, String)] = []
        func chart(_ chart: SVGChart, withTable: Bool = true) {
            let path = "\(chartFolder)/\(chart.id).svg"
            charts.append((path, chart.svg))
            lines.append("![\(escape(chart.title))](\(path))")
            lines.append("")
            if withTable { lines.append(chart.table.renderMarkdown()) }
        }
        for block in document.blocks {
            switch block {
            case let .heading(level, text, _):
                lines.append(String(repeating: "#", count: level) + " " + escape(text))
                lines.append("")
            case let .paragraph(text):
                lines.append(escape(text))
                lines.append("")
            case let .bullets(items):
                lines += items.map { "- " + escape($0) }
                lines.append("")
            case let .note(text):
                lines.append("> " + escape(text))
                lines.append("")
            case .shadeKey:
                break  // Markdown tables are not shaded
            case let .table(table, _, _):
                lines.append(table.renderMarkdown())
            case let .chart(item):
                chart(item)
            case let .chartGrid(items, table, caption):
                for item in items { chart(item, withTable: false) }
                lines.append("**\(escape(caption))**")
                lines.append("")
                lines.append(table.renderMarkdown())
            }
        }
        return (lines.joined(separator: "\n"), charts)
    }

    /// Escapes Markdown syntax in a line of text, and folds line breaks.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text.singleLineVisible {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "<", ">", "#", "|", "!": escaped += "\\\(character)"
            case "\n", "\r": escaped += " "
            case "&": escaped += "&amp;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
