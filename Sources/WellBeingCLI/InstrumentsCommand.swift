import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingReport

/// `wellbeing instruments`: the bundled instruments, and a new local version of one.
struct Instruments: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the instruments that come with wellbeing, or start a city's local version of one.",
        subcommands: [InstrumentsList.self, InstrumentsNew.self],
        defaultSubcommand: InstrumentsList.self)
}

struct InstrumentsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the bundled instruments with their versions and titles (the default).",
        discussion: """
            Each can be named instead of a path: --instrument lwc. The bundled files are found in
            $WELLBEING_DATA, else beside the program (../share/wellbeing: /usr/share/wellbeing for the
            package), else in the source tree's Surveys/ folder.

            Example:
              wellbeing instruments
            """)

    @OptionGroup var languageOption: LanguageOption

    func run() throws {
        try reportingFailures {
            let language = Console.language
            let folder = try BundledData.folder()
            let instruments = try BundledData.instruments()
            Console.output(Message(.instrumentsHeading, ["folder": folder]).text(in: language) + "\n")
            let rows = instruments.map { entry in
                [entry.name, entry.id, entry.version, entry.extends ?? "", language == .ja ? entry.title.ja : entry.title.en ?? entry.title.ja]
            }
            Console.output(TextTable(headers: [MessageKey.colName, .colSurvey, .colVersion, .colExtends, .colTitle]
                                        .map { Message($0).text(in: language) },
                                     alignments: [.left, .left, .left, .left, .left], rows: rows).render())
            for (kind, key) in [(BundledData.Kind.kpiCatalogue, MessageKey.instrumentsCatalogues), (.reference, .instrumentsReferences)] {
                let names = BundledData.names(of: kind, in: folder).map(\.name)
                if !names.isEmpty {
                    Console.output(Message(key, ["names": names.joined(separator: ", ")]).text(in: language) + "\n")
                }
            }
            Console.output(Message(.instrumentsHint).text(in: language) + "\n")
        }
    }
}

struct InstrumentsNew: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write a city's local version of an instrument to fill in: its districts and its own questions.",
        discussion: """
            The new file extends the instrument (every standard question, scale and field is kept) and adds
            example districts and two example questions, commented in Japanese; replace them with the city's
            own. It loads as it is written. An existing file is never replaced.

            Example:
              wellbeing instruments new city.yaml --extends lwc
              wellbeing import responses 回答.csv --instrument city.yaml --dry-run
            """)

    @OptionGroup var languageOption: LanguageOption

    @Argument(help: ArgumentHelp("The new instrument file (ending in .yaml).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The instrument it extends: a bundled name (wellbeing instruments) or a path.",
                               valueName: "name|path"))
    var extends: String = "lwc"

    func validate() throws {
        let fileExtension = (file as NSString).pathExtension.lowercased()
        guard fileExtension == "yaml" || fileExtension == "yml" else {
            throw ValidationError(Message(.instrumentsNewNeedsYAML, ["path": file]).text(in: Console.language))
        }
    }

    func run() throws {
        try reportingFailures {
            let basePath = try BundledData.resolve(extends, as: .instrument)
            let base = try InstrumentLoader.load(path: basePath).instrument
            // A bundled base is named as such; a file is named relative to the new file (or absolutely).
            let extendsName = basePath == extends ? relativePath(of: basePath, from: file) : extends
            let text = LocalVersionTemplate.text(extending: base, extendsName: extendsName, fileName: file)
            try writeNew(text)
            // The template must load as it is written; a file that does not is this tool's mistake, not the clerk's.
            do {
                _ = try InstrumentLoader.load(path: file)
            } catch let error as WellBeingError {
                unlink(file)
                throw WellBeingError(.internalFailure, Message(.instrumentsNewDoesNotLoad, ["path": file, "reason": error.text(in: Console.language)]))
            }
            Console.say(Message(.instrumentsNewWrote, ["path": file, "base": extends, "version": base.version]))
        }
    }

    /// Writes the file only if nothing is there yet (checked and created in one step).
    private func writeNew(_ text: String) throws {
        let descriptor = open(file, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST {
                throw WellBeingError(.cannotCreateOutput, Message(.instrumentsNewExists, ["path": file]))
            }
            throw WellBeingError(.cannotCreateOutput, Message(.cannotWrite, ["path": file, "reason": OutputPaths.systemError(code)]))
        }
        let code = OutputPaths.writeAll(Data(text.utf8), to: descriptor)
        close(descriptor)
        if code != 0 {
            unlink(file)
            throw WellBeingError(.ioFailure, Message(.writeFailedFull, ["path": file, "reason": OutputPaths.systemError(code)]))
        }
    }

    /// `target` as the new file's `extends:` reaches it: relative to the new file's folder when both are
    /// relative paths, else absolute.
    private func relativePath(of target: String, from newFile: String) -> String {
        let absoluteTarget = OutputPaths.canonicalPath(target)
        let parent = OutputPaths.parentFolder(of: newFile)
        let folder = OutputPaths.canonicalPath(parent.isEmpty ? "." : parent)
        let targetParts = absoluteTarget.split(separator: "/")
        let folderParts = folder.split(separator: "/")
        var common = 0
        while common < min(targetParts.count, folderParts.count) && targetParts[common] == folderParts[common] { common += 1 }
        if common == 0 { return absoluteTarget }
        let ups = Array(repeating: "..", count: folderParts.count - common)
        return (ups + targetParts[common...].map(String.init)).joined(separator: "/")
    }
}
