import Foundation
import WellBeingCore

/// Which files a report is written as.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, md, both
}

/// Writes a report's files, each completely or not at all (written to a temporary name, then renamed).
public enum ReportFiles {
    /// Writes `document` into `folder` as `<baseName>.html` and/or `<baseName>.md` with `<baseName>-charts/`.
    ///
    /// - Returns: the paths written.
    @discardableResult
    public static func write(_ document: ReportDocument, folder: String, baseName: String, format: ReportFormat) throws -> [String] {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw WellBeingError(.cannotCreateOutput, "Cannot create the report folder '\(folder)': \(error.localizedDescription)")
        }
        var written: [String] = []
        if format != .md {
            let path = (folder as NSString).appendingPathComponent("\(baseName).html")
            try atomicWrite(HTMLRenderer.render(document), to: path)
            written.append(path)
        }
        if format != .html {
            let chartFolder = "\(baseName)-charts"
            let (markdown, charts) = MarkdownRenderer.render(document, chartFolder: chartFolder)
            let chartPath = (folder as NSString).appendingPathComponent(chartFolder)
            try? manager.removeItem(atPath: chartPath)
            do {
                try manager.createDirectory(atPath: chartPath, withIntermediateDirectories: true)
            } catch {
                throw WellBeingError(.cannotCreateOutput, "Cannot create '\(chartPath)': \(error.localizedDescription)")
            }
            for (relative, svg) in charts {
                try atomicWrite(svg, to: (folder as NSString).appendingPathComponent(relative))
            }
            let path = (folder as NSString).appendingPathComponent("\(baseName).md")
            try atomicWrite(markdown, to: path)
            written.append(path)
        }
        return written
    }

    static func atomicWrite(_ text: String, to path: String) throws {
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw WellBeingError(.cannotCreateOutput, "Cannot write '\(path)'.")
        }
        if rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw WellBeingError(.ioFailure, "Cannot write '\(path)': \(String(cString: strerror(errno))).")
        }
    }
}
