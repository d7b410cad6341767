import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingIngest
import WellBeingStore
import WellBeingWorkspace

/// Where the store is: `--store`, else `$WELLBEING_STORE`, else `./wellbeing.sqlite`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store: a file, or a PostgreSQL server's database (postgresql://user@host/db).",
                                            valueName: "path|url"))
    var store: String?

    /// A password in `--store` would stand in the process list for the whole run: refused before anything is done.
    func validate() throws {
        if let store { try reportingFailures { try SurveyStore.refusePasswordInArgument(store) } }
    }

    var path: String {
        if let store { return store }
        if let fromEnvironment = ProcessInfo.processInfo.environment["WELLBEING_STORE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "wellbeing.sqlite"
    }

    /// Opens an existing store read-only; reading commands never create, migrate or lock one.
    func openForReading() throws -> SurveyStore { try SurveyStore(path: path, access: .read) }

    /// Opens an existing store for writing (small imports, undo).
    func openExistingForWriting() throws -> SurveyStore { try SurveyStore(path: path, access: .writeExisting) }

    /// The store's files, which no output may replace (none for a store on a server).
    var protectedFiles: [ProtectedFile] { SurveyStore.protectedFiles(of: path) }
}

extension TextEncoding: ExpressibleByArgument {
    public init?(argument: String) { self.init(userText: argument) }
    public static var allValueStrings: [String] { ["utf-8", "cp932", "utf-16"] }
}

extension ErrorPolicy: ExpressibleByArgument {}

/// `--lang` for commands that print only messages: the language of what they say.
struct LanguageOption: ParsableArguments {
    @Option(help: ArgumentHelp("Language of messages: ja or en (default: WELLBEING_LANG, else the locale)."))
    var lang: Language?  // bound as `Console.language` by `WellBeingCommand.main`
}

/// Options shared by the imports of small files.
struct SmallImportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The survey the file belongs to (needed only when the store holds several).",
                               valueName: "id"))
    var survey: String?

    @Option(help: ArgumentHelp("Force the file's encoding instead of detecting it.", valueName: "utf-8|cp932|utf-16"))
    var encoding: TextEncoding?

    @Option(help: ArgumentHelp("For an .xlsx workbook: the sheet to read, by name or number (default: the first).",
                               valueName: "name|N"))
    var sheet: String?

    @Flag(help: "Replace data imported earlier from this file (or, for margins and reference figures, the ones in force).")
    var replace = false
}
