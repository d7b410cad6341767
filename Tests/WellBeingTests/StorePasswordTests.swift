import ArgumentParser
import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCLI
@testable import WellBeingCore
@testable import WellBeingStore

/// A PostgreSQL password never stands on the command line, in a message or in a file name: a URL with a
/// password in `--store` (or in `store copy`'s arguments) is refused, a mistyped URL is never taken as a file,
/// and no message repeats a password or a parameter's value that might be one. No server is needed: all of
/// this is refused before a connection is tried.
@Suite struct StorePasswordTests {
    static let secret = "S3cr3t-\(UUID().uuidString.prefix(8))"

    /// Every command that takes `--store`, with the arguments it needs to get as far as its options' checks.
    static let commandsWithStore: [[String]] = [
        ["import", "responses", "a.csv", "--instrument", "i.yaml"], ["import", "kpis", "k.csv", "--catalog", "c.yaml"],
        ["import", "population", "p.csv"], ["import", "sample", "s.csv"], ["import", "reference", "r.csv"],
        ["import", "boundaries", "b.geojson", "--key", "code"], ["import", "targets", "t.csv"], ["progress", "--period", "2025"],
        ["batches"], ["undo", "1"], ["indicators", "--period", "2025"], ["compare", "--period", "2025"],
        ["drivers", "--period", "2025"], ["trend", "--from", "2024", "--to", "2025"], ["report", "--period", "2025"],
        ["serve"], ["users", "add", "Sato", "--role", "viewer"], ["users", "list"], ["users", "passwd", "Sato"], ["users", "remove", "Sato"],
    ]

    /// The commands whose help offers `--store`, as paths of names (`import responses`).
    static func commandsOfferingStore(_ command: any ParsableCommand.Type = WellBeingCommand.self, path: [String] = []) -> [[String]] {
        let subcommands = command.configuration.subcommands
        if subcommands.isEmpty {
            return command.helpMessage(columns: 400).contains("--store") ? [path] : []
        }
        return subcommands.flatMap { commandsOfferingStore($0, path: path + [$0._commandName]) }
    }

    @Test func theListBelowIsEveryCommandThatTakesAStore() {
        let listed = Set(Self.commandsWithStore.map { Array($0.prefix { $0.allSatisfy(\.isLowercase) }) })
        #expect(listed == Set(Self.commandsOfferingStore()))
    }

    /// Runs `wellbeing` in an empty folder and checks that nothing shows the password and no file appeared.
    static func runLeavingNothing(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandLineTests.Run {
        let folder = try TemporaryFolder()
        let run = try CommandLineTests.run(arguments, environment: environment, in: folder.path)
        #expect(!run.errors.contains(secret) && !run.output.contains(secret), "\(arguments): \(run.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "\(arguments) left a file")
        return run
    }

    @Test(arguments: commandsWithStore)
    func aPasswordInStoreIsRefusedByEveryCommand(_ command: [String]) throws {
        for url in ["postgresql://importer:\(Self.secret)@db.example.lg.jp/wellbeing",
                    "postgresql://db.example.lg.jp/wellbeing?sslmode=require&password=\(Self.secret)"] {
            let run = try Self.runLeavingNothing(command + ["--store", url])
            #expect(run.status == 64, "\(command): \(run.errors)")
            #expect(run.errors.contains("holds a password on the command line") && run.errors.contains("***"), "\(run.errors)")
            #expect(run.errors.contains("PGPASSWORD") && run.errors.contains("~/.pgpass") && run.errors.contains("WELLBEING_STORE"))
        }
    }

    @Test func storeCopyRefusesAPasswordInEitherURL() throws {
        let url = "postgresql://importer:\(Self.secret)@db.example.lg.jp/wellbeing"
        for arguments in [["store", "copy", url, "down.sqlite"], ["store", "copy", "city.sqlite", url]] {
            let run = try Self.runLeavingNothing(arguments)
            #expect(run.status == 64 && run.errors.contains("postgresql://importer:***@db.example.lg.jp/wellbeing"), "\(run.errors)")
        }
        // Said in Japanese too.
        let japanese = try Self.runLeavingNothing(["store", "copy", url, "down.sqlite"], environment: ["WELLBEING_LANG": "ja"])
        #expect(japanese.status == 64 && japanese.errors.contains("コマンドライン") && japanese.errors.contains("WELLBEING_STORE"),
                "\(japanese.errors)")
    }

    /// A URL missing its `//` (or with another slip) is refused as a URL, never imported into a local file
    /// named after the password: from `--store`, from `WELLBEING_STORE`, and for a dry run.
    @Test(arguments: ["postgresql:importer:SECRET@db.example.lg.jp", "postgres//importer:SECRET@db.example.lg.jp/wellbeing",
                      "PostgreSQL:/importer:SECRET@db.example.lg.jp", "postgresql\\importer:SECRET@db", "postgres:importer@db.example.lg.jp",
                      "postgresq://importer@db.example.lg.jp/wellbeing", "postgresql::SECRET@db"])
    func aMistypedURLIsNeverAFile(_ typed: String) throws {
        let url = typed.replacingOccurrences(of: "SECRET", with: Self.secret)
        let importing = ["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"), "--period", "2025"]
        for run in [try Self.runLeavingNothing(importing + ["--store", url]),
                    try Self.runLeavingNothing(importing + ["--dry-run"], environment: ["WELLBEING_STORE": url]),
                    try Self.runLeavingNothing(importing, environment: ["WELLBEING_STORE": url])] {
            #expect(run.status == 64, "\(url): \(run.errors)")
            #expect(run.errors.contains("The store URL"), "\(run.errors)")
        }
    }

    /// Messages about a URL in the environment (where a password is allowed) never repeat the password or the
    /// value of a parameter that is not one of ours.
    @Test(arguments: [("postgresql://db.example.lg.jp/wellbeing?password=SECRET", "password"),
                      ("postgresql://db.example.lg.jp/wellbeing?sslmode=require&bad=SECRET", "'bad'"),
                      ("postgresql://db.example.lg.jp/wellbeing?SECRET", "has no value"),
                      ("postgresql://importer:SECRET@db.example.lg.jp:54x/wellbeing", "port"),
                      ("postgresql://importer:SECRET", "port"),
                      ("postgresql://importer:SE/CR?ET@db.example.lg.jp/wellbeing?sslmode=sometimes", "sometimes"),
                      ("postgresql://importer:SECRET@[::1/wellbeing", "]")])
    func noMessageRepeatsASecret(_ typed: String, _ named: String) throws {
        let url = typed.replacingOccurrences(of: "SECRET", with: Self.secret).replacingOccurrences(of: "SE/CR?ET", with: "x/\(Self.secret)?y")
        let run = try Self.runLeavingNothing(["batches"], environment: ["WELLBEING_STORE": url])
        #expect(run.status == 64 && run.errors.contains(named), "\(run.errors)")
        #expect(!run.errors.contains("/\(Self.secret)") && !run.errors.contains("x/") , "\(run.errors)")
    }

    @Test func filesThatOnlyStartWithTheWordStayFiles() throws {
        for name in ["postgres-2025.sqlite", "postgresql_copy.sqlite", "postgres.sqlite"] {
            #expect(!SurveyStore.isServerLocation(name), "\(name)")
        }
        let folder = try TemporaryFolder()
        let run = try CommandLineTests.run(["import", "responses", Paths.fixture("mini-utf8.csv"), "--instrument", Paths.fixture("mini.yaml"),
                                            "--period", "2025", "--store", "postgres-2025.sqlite"], in: folder.path)
        #expect(run.status == 0 && FileKind.of(folder.file("postgres-2025.sqlite")) == .regularFile, "\(run.errors)")
    }

    /// A password in `WELLBEING_STORE` is allowed (the environment is not shown to others): the command goes on
    /// to the server, here one that is not there.
    @Test func aPasswordInTheEnvironmentIsAllowed() throws {
        let url = "postgresql://importer:\(Self.secret)@127.0.0.1:1/wellbeing?connect_timeout=2"
        let run = try Self.runLeavingNothing(["batches"], environment: ["WELLBEING_STORE": url])
        #expect(!run.errors.contains("command line"), "\(run.errors)")
        #if PostgreSQL
        #expect(run.status == 75 && run.errors.contains("Cannot reach"), "\(run.errors)")
        #else
        #expect(run.status == 64 && run.errors.contains("no PostgreSQL support"), "\(run.errors)")
        #endif
    }

    @Test func messagesMaskPasswordsInValidAndMistypedURLs() {
        let cases: [(String, String)] = [
            ("postgresql://u:secret@h/d", "postgresql://u:***@h/d"),
            ("postgresql://:secret@h/d", "postgresql://:***@h/d"),
            ("postgresql://u:p@ss/w?rd@h:5432/d?sslmode=require", "postgresql://u:***@h:5432/d?sslmode=require"),
            ("postgresql://u@h/d?application_name=me@home", "postgresql://u@h/d?application_name=me@home"),
            ("postgresql:u:secret@h", "postgresql:u:***@h"),
            ("postgres//u:secret@h/d", "postgres//u:***@h/d"),
            ("postgresql://h/d?password=secret&sslmode=require", "postgresql://h/d?password=***&sslmode=require"),
            ("postgresql://h/d?passwd=secret", "postgresql://h/d?passwd=***"),
            ("postgresql://u:secret", "postgresql://u:***"),
            ("postgresql://[::1]:5432/d", "postgresql://[::1]:5432/d"),
        ]
        for (url, shown) in cases { #expect(PostgresLocation.withoutPassword(url) == shown, "\(url)") }
        #expect(PostgresLocation.carriesPassword("postgresql:u:secret@h") && PostgresLocation.carriesPassword("postgresql://h/d?Password=x"))
        #expect(!PostgresLocation.carriesPassword("postgresql://u@h/d?application_name=a:b@c"))
    }
}
