import Foundation
import WellBeingCore

/// The files that come with the tool — instruments, KPI catalogues, reference figures and the demo's
/// samples — and where they are: `$WELLBEING_DATA`, else `<executable>/../share/wellbeing` (an installed
/// package: `/usr/bin/wellbeing` finds `/usr/share/wellbeing`), else the `Surveys/` folder of the source
/// tree the executable was built in (`swift run`, `.build/debug/wellbeing`). Never the current folder.
///
/// The folder has the layout of `Surveys/`: instruments and KPI catalogues at the top, local versions in
/// `examples/`, reference figures in `reference/`, the demo's files in `samples/`.
public enum BundledData {
    /// What a bundled name stands for.
    public enum Kind: Sendable {
        /// An instrument (`lwc` → `lwc.yaml`, or `examples/<name>.yaml`).
        case instrument
        /// A KPI catalogue (`kpis-lwc` → `kpis-lwc.yaml`).
        case kpiCatalogue
        /// Reference figures (`osaka-2024` → `reference/osaka-2024.csv`).
        case reference
    }

    /// An instrument that comes with the tool, as `wellbeing instruments` lists it.
    public struct BundledInstrument: Sendable {
        /// The name `--instrument` takes (`lwc`).
        public var name: String
        public var path: String
        public var id: String
        public var version: String
        public var title: LocalizedText
        /// The instrument this one extends (its file name), for a local version.
        public var extends: String?
    }

    /// The environment variable that names the folder.
    public static let environmentVariable = "WELLBEING_DATA"

    /// The folder of bundled files, found as the type's documentation says.
    ///
    /// - Throws: `inputMissing` when `$WELLBEING_DATA` names no folder, or when no folder is found at all
    ///   (the message lists the places searched).
    public static func folder(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: String? = executablePath()) throws -> String {
        if let named = environment[environmentVariable], !named.isEmpty {
            guard FileKind.of(named) == .directory else {
                throw WellBeingError(.inputMissing, Message(.bundledDataVariableMissing, ["variable": environmentVariable, "path": named]))
            }
            return named
        }
        let candidates = searchedFolders(executable: executable)
        if let found = candidates.first(where: { FileKind.of(($0 as NSString).appendingPathComponent("lwc.yaml")) == .regularFile }) {
            return found
        }
        throw WellBeingError(.inputMissing, Message(.bundledDataMissing, [
            "variable": environmentVariable, "places": candidates.joined(separator: ", ")]))
    }

    /// The places searched after `$WELLBEING_DATA`, in order.
    static func searchedFolders(executable: String?) -> [String] {
        var folders: [String] = []
        if let executable {
            let binFolder = OutputPaths.parentFolder(of: executable)
            folders.append(((binFolder as NSString).appendingPathComponent("../share/wellbeing") as NSString).standardizingPath)
            // A build inside a checkout: `<checkout>/.build/<triple>/debug/wellbeing`.
            var folder = binFolder
            while folder != "/" && !folder.isEmpty {
                if FileKind.of((folder as NSString).appendingPathComponent("Package.swift")) == .regularFile {
                    folders.append((folder as NSString).appendingPathComponent("Surveys"))
                    break
                }
                folder = OutputPaths.parentFolder(of: folder)
            }
        }
        // The checkout this file was compiled in (`<checkout>/Sources/WellBeingIngest/BundledData.swift`).
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let surveys = (checkout as NSString).appendingPathComponent("Surveys")
        if !folders.contains(surveys) { folders.append(surveys) }
        return folders
    }

    /// The running executable's path, symbolic links resolved.
    public static func executablePath() -> String? {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath().path
    }

    /// Whether `argument` is a bundled name rather than a path: no folder separator and no file extension
    /// of its kind.
    public static func looksLikeName(_ argument: String) -> Bool {
        !argument.isEmpty && !argument.contains("/") && !argument.hasPrefix(".")
            && !argument.lowercased().hasSuffix(".yaml") && !argument.lowercased().hasSuffix(".yml")
            && !argument.lowercased().hasSuffix(".csv") && !argument.lowercased().hasSuffix(".xlsx")
    }

    /// The file an option names: `argument` itself when something exists there or it is written as a path;
    /// else the bundled file of that name.
    ///
    /// - Throws: `inputMissing` naming the bundled names of the kind when `argument` is neither.
    public static func resolve(_ argument: String, as kind: Kind,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        guard FileKind.of(argument) == .missing, looksLikeName(argument) else { return argument }
        let root = try folder(environment: environment)
        if let found = names(of: kind, in: root).first(where: { $0.name == argument }) { return found.path }
        let available = names(of: kind, in: root).map(\.name)
        throw WellBeingError(.inputMissing, Message(kind.notFoundKey, [
            "name": argument, "names": available.isEmpty ? "—" : available.joined(separator: ", "), "folder": root]))
    }

    /// The bundled files of a kind in `root`, by name (sorted).
    public static func names(of kind: Kind, in root: String) -> [(name: String, path: String)] {
        func files(_ folder: String, _ extensions: [String]) -> [(name: String, path: String)] {
            let path = folder.isEmpty ? root : (root as NSString).appendingPathComponent(folder)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return entries.sorted { ($0 as NSString).deletingPathExtension < ($1 as NSString).deletingPathExtension }.compactMap { entry in
                let file = (path as NSString).appendingPathComponent(entry)
                guard extensions.contains((entry as NSString).pathExtension.lowercased()),
                      FileKind.of(file) == .regularFile else { return nil }
                return ((entry as NSString).deletingPathExtension, file)
            }
        }
        switch kind {
        case .instrument:
            let top = files("", ["yaml", "yml"]).filter { !isKPICatalogue($0.path) }
            let examples = files("examples", ["yaml", "yml"]).filter { example in !top.contains { $0.name == example.name } }
            return top + examples
        case .kpiCatalogue:
            return files("", ["yaml", "yml"]).filter { isKPICatalogue($0.path) }
        case .reference:
            return files("reference", ["csv"])
        }
    }

    /// The bundled instruments that load, with their versions and titles.
    ///
    /// - Throws: when no folder of bundled files is found; an instrument that does not load is an error too
    ///   (a damaged installation should be seen, not hidden).
    public static func instruments(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [BundledInstrument] {
        let root = try folder(environment: environment)
        return try names(of: .instrument, in: root).map { entry in
            let loaded = try InstrumentLoader.load(path: entry.path)
            let files = InstrumentLoader.split(loaded.yaml, fileName: (entry.path as NSString).lastPathComponent)
            return BundledInstrument(name: entry.name, path: entry.path, id: loaded.instrument.id.rawValue,
                                     version: loaded.instrument.version, title: loaded.instrument.title,
                                     extends: files.count > 1 ? files[files.count - 2].name : nil)
        }
    }

    /// A KPI catalogue says `kpis:` at the top level; an instrument never does.
    static func isKPICatalogue(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return false
        }
        return text.split(separator: "\n").contains { $0.hasPrefix("kpis:") }
    }
}

extension BundledData.Kind {
    var notFoundKey: MessageKey {
        switch self {
        case .instrument: return .bundledInstrumentUnknown
        case .kpiCatalogue: return .bundledCatalogueUnknown
        case .reference: return .bundledReferenceUnknown
        }
    }
}
