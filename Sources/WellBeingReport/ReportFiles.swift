import Foundation
import WellBeingCore
#if canImport(Glibc)
import Glibc
#endif

/// Which files a report is written as.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// html: one self-contained file; md: Markdown with SVG charts; both; xlsx: every table as a workbook; all.
    case html, md, both, xlsx, all

    var writesHTML: Bool { self == .html || self == .both || self == .all }
    var writesMarkdown: Bool { self == .md || self == .both || self == .all }
    var writesWorkbook: Bool { self == .xlsx || self == .all }
}

/// A report rendered to bytes: every file it consists of, before anything is written. A front end writes it
/// (`ReportFiles.write`) or hands one file out (a server's download).
public struct ReportBundle: Sendable {
    /// One chart of the Markdown report: its file name inside the chart folder and its SVG.
    public struct Chart: Sendable {
        public var name: String
        public var svg: Data
    }

    /// The name every file of the report starts with (`lwc-2025`, `lwc-2025-en`).
    public var baseName: String
    /// The self-contained HTML report, when the format has it.
    public var html: Data?
    /// The Markdown report, when the format has it; its charts are in `charts`, linked as `<baseName>-charts/NAME`.
    public var markdown: Data?
    public var charts: [Chart] = []
    /// Every table of the report as one workbook, when the format has it.
    public var workbook: Data?

    /// The folder beside the Markdown file that holds its charts.
    public var chartFolderName: String { "\(baseName)-charts" }

    /// Renders `document` in the files `format` names.
    public init(_ document: ReportDocument, baseName: String, format: ReportFormat) throws {
        self.baseName = baseName
        html = format.writesHTML ? Data(HTMLRenderer.render(document).utf8) : nil
        if format.writesMarkdown {
            let rendered = MarkdownRenderer.render(document, chartFolder: chartFolderName)
            markdown = Data(rendered.markdown.utf8)
            charts = rendered.charts.map { Chart(name: ($0.path as NSString).lastPathComponent, svg: Data($0.svg.utf8)) }
        }
        workbook = format.writesWorkbook ? try SpreadsheetWorkbook(report: document).data() : nil
    }
}

/// Writes a report's files so that a failure never leaves a mixture of old and new files.
///
/// Every file is first written completely into a hidden folder beside the report (a full disk fails
/// there, before anything is replaced), then moved into place by renames. The chart folder keeps a list of
/// the charts the tool wrote (`.wellbeing-charts`); only charts on that list that the new report no longer
/// has are removed. Other files in the chart folder are never touched.
public enum ReportFiles {
    /// The list, inside a chart folder, of the chart files the tool wrote there.
    static let manifestName = ".wellbeing-charts"

    /// Writes `document` into `folder` as `<baseName>.html` and/or `<baseName>.md` with `<baseName>-charts/`:
    /// renders it (`ReportBundle`), then writes that bundle.
    @discardableResult
    public static func write(_ document: ReportDocument, folder: String, baseName: String, format: ReportFormat,
                             protecting protected: [ProtectedFile] = []) throws -> [String] {
        try write(ReportBundle(document, baseName: baseName, format: format), folder: folder, protecting: protected)
    }

    /// Writes a rendered report into `folder` as `<baseName>.html`, `<baseName>.xlsx` and/or `<baseName>.md` with
    /// `<baseName>-charts/`, as the bundle holds them.
    ///
    /// - Parameter protected: files that no report file may replace (the store and its journal files).
    /// - Returns: the paths written.
    /// - Throws: `usage` when a report file would replace a protected file; `cannotCreateOutput` when a
    ///   report path is taken by something else (a folder where the HTML goes, a file where the chart folder
    ///   goes) or cannot be created; `ioFailure` (with the system's reason, such as a full disk) when writing
    ///   fails, in which case the earlier report files are as they were.
    @discardableResult
    public static func write(_ bundle: ReportBundle, folder: String, protecting protected: [ProtectedFile] = []) throws -> [String] {
        try prepareFolder(folder)
        let baseName = bundle.baseName
        let htmlPath = (folder as NSString).appendingPathComponent("\(baseName).html")
        let markdownPath = (folder as NSString).appendingPathComponent("\(baseName).md")
        let workbookPath = (folder as NSString).appendingPathComponent("\(baseName).xlsx")
        let chartFolder = (folder as NSString).appendingPathComponent(bundle.chartFolderName)
        let html = bundle.html
        let markdown = bundle.markdown
        let workbook = bundle.workbook
        let chartNames = bundle.charts.map(\.name)

        // Check every destination before anything is written.
        var destinations: [String] = []
        if html != nil { destinations.append(htmlPath) }
        if workbook != nil { destinations.append(workbookPath) }
        if markdown != nil { destinations += [markdownPath, chartFolder] + chartNames.map { (chartFolder as NSString).appendingPathComponent($0) } }
        for destination in destinations {
            try OutputPaths.refuseCollision(output: destination, option: "The report file", with: protected)
        }
        for path in [htmlPath, markdownPath, workbookPath] where destinations.contains(path) {
            let kind = FileKind.of(path)
            if kind != .missing && kind != .regularFile {
                throw WellBeingError(.cannotCreateOutput, Message(.reportPathIsNot, ["path": path])
                    .localizingArgument("kind", Message(kind.phraseKey)))
            }
        }
        if markdown != nil {
            let kind = FileKind.of(chartFolder)
            if kind != .missing && kind != .directory {
                throw WellBeingError(.cannotCreateOutput, Message(.chartsPathIsNot, ["path": chartFolder])
                    .localizingArgument("kind", Message(kind.phraseKey)))
            }
        }

        // Write everything aside.
        let staging = (folder as NSString).appendingPathComponent(".\(baseName).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard mkdir(staging, 0o700) == 0 else {
            throw failure(errno, writing: staging)
        }
        defer { try? FileManager.default.removeItem(atPath: staging) }
        func staged(_ name: String) -> String { (staging as NSString).appendingPathComponent(name) }
        let previousCharts = markdown == nil ? [] : readManifest(in: chartFolder)
        if let html { try writeFile(html, to: staged("report.html"), reporting: htmlPath) }
        if let workbook { try writeFile(workbook, to: staged("report.xlsx"), reporting: workbookPath) }
        if let markdown {
            for chart in bundle.charts {
                try writeFile(chart.svg, to: staged(chart.name), reporting: (chartFolder as NSString).appendingPathComponent(chart.name))
            }
            try writeFile(markdown, to: staged("report.md"), reporting: markdownPath)
            let listed = Set(previousCharts).union(chartNames).sorted()
            try writeFile(manifest(listed), to: staged("manifest-during"), reporting: chartFolder)
            try writeFile(manifest(chartNames.sorted()), to: staged("manifest-after"), reporting: chartFolder)
        }

        // Move into place: charts (listed first, so that a crash leaves nothing unlisted), then the Markdown,
        // then the HTML; last, the charts the new report no longer has.
        var written: [String] = []
        if markdown != nil {
            if FileKind.of(chartFolder) == .missing && mkdir(chartFolder, 0o755) != 0 && errno != EEXIST {
                throw failure(errno, writing: chartFolder)
            }
            let manifestPath = (chartFolder as NSString).appendingPathComponent(manifestName)
            try move(staged("manifest-during"), to: manifestPath)
            for name in chartNames {
                try move(staged(name), to: (chartFolder as NSString).appendingPathComponent(name))
            }
            try move(staged("report.md"), to: markdownPath)
            written.append(markdownPath)
            for stale in Set(previousCharts).subtracting(chartNames) {
                let path = (chartFolder as NSString).appendingPathComponent(stale)
                if FileKind.of(path) == .regularFile { unlink(path) }
            }
            try move(staged("manifest-after"), to: manifestPath)
        }
        if workbook != nil {
            try move(staged("report.xlsx"), to: workbookPath)
            written.append(workbookPath)
        }
        if html != nil {
            try move(staged("report.html"), to: htmlPath)
            written.insert(htmlPath, at: 0)
        }
        return written
    }

    /// The chart files listed in a chart folder's manifest; names that are not plain `.svg` file names are ignored.
    static func readManifest(in chartFolder: String) -> [String] {
        let path = (chartFolder as NSString).appendingPathComponent(manifestName)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init).filter { name in
            name.hasSuffix(".svg") && !name.contains("/") && !name.hasPrefix(".") && !name.contains("\0")
        }
    }

    private static func manifest(_ names: [String]) -> Data {
        Data(("# Charts written by wellbeing; it removes only these when it rewrites the report.\n"
              + names.map { $0 + "\n" }.joined()).utf8)
    }

    private static func prepareFolder(_ folder: String) throws {
        switch FileKind.of(folder) {
        case .directory: return
        case .missing:
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw WellBeingError(.cannotCreateOutput, Message(.cannotCreateReportFolder, ["path": folder, "reason": error.localizedDescription]))
            }
        case let kind:
            throw WellBeingError(.cannotCreateOutput, Message(.reportFolderIsNot, ["path": folder])
                .localizingArgument("kind", Message(kind.phraseKey)))
        }
    }

    /// Writes one output file (a workbook, or a table with `--output`) as a whole: a hidden temporary file beside
    /// it, flushed to disk, then renamed over it. A full disk leaves the earlier file as it was and no half-written
    /// one; a path that is the store or an input is refused before anything is written.
    ///
    /// - Parameter option: how the user named the path (`--output`), for messages.
    public static func writeOutputFile(_ data: Data, to path: String, option: String, protecting: [ProtectedFile]) throws {
        try OutputPaths.refuseCollision(output: path, option: option, with: protecting)
        let resolved = OutputPaths.canonicalPath(path)
        switch FileKind.of(resolved) {
        case .missing, .regularFile: break
        case let kind:
            throw WellBeingError(.cannotCreateOutput, Message(.outputIsNot, ["option": option, "path": path])
                .localizingArgument("kind", Message(kind.phraseKey)))
        }
        let folder = (resolved as NSString).deletingLastPathComponent
        guard FileKind.of(folder) == .directory else {
            throw WellBeingError(.cannotCreateOutput, Message(.folderMissing, ["path": path, "folder": folder]))
        }
        let staging = (folder as NSString).appendingPathComponent(".\((resolved as NSString).lastPathComponent).partial-\(getpid())")
        unlink(staging)
        do {
            try writeFile(data, to: staging, reporting: path)
            try move(staging, to: resolved)
        } catch {
            unlink(staging)
            throw error
        }
    }

    /// Writes `data` to a new file at `path` and flushes it to disk.
    private static func writeFile(_ data: Data, to path: String, reporting destination: String) throws {
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(errno, writing: destination) }
        defer { close(descriptor) }
        let code = OutputPaths.writeAll(data, to: descriptor)
        if code != 0 { throw failure(code, writing: destination) }
        if fsync(descriptor) != 0 { throw failure(errno, writing: destination) }
    }

    private static func move(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else { throw failure(errno, writing: destination) }
    }

    /// A write failure as the error kind the command line maps: a full disk or I/O error is 74, a path that
    /// cannot be created 73; the message carries the system's reason.
    static func failure(_ code: Int32, writing path: String) -> WellBeingError {
        let reason = OutputPaths.systemError(code)
        switch code {
        case ENOSPC, EDQUOT, EIO, EFBIG:
            return WellBeingError(.ioFailure, Message(.writeFailedFull, ["path": path, "reason": reason]))
        default:
            return WellBeingError(.cannotCreateOutput, Message(.cannotWrite, ["path": path, "reason": reason]))
        }
    }
}
