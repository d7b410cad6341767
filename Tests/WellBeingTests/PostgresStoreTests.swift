#if PostgreSQL
import Foundation
import Testing
import WellBeingTestSupport
@testable import WellBeingCore
@testable import WellBeingStore
import WellBeingWorkspace

/// The `wellbeing` command on a PostgreSQL store, as users on several machines run it: the same JSON as a file,
/// importers at once, a client killed mid-import, readers during an import, logins that fail, and a password
/// that never shows.
@Suite(.enabled(if: PostgresTestServer.shouldRun)) struct PostgresStoreTests {
    static func fixture(_ name: String) -> String {
        ((Paths.shared as NSString).appendingPathComponent("fixtures/lwc-standard-3000") as NSString).appendingPathComponent(name)
    }

    /// Runs `wellbeing` with the test server's password in its environment.
    @discardableResult
    static func run(_ arguments: [String], store: String, environment: [String: String] = [:], in folder: TemporaryFolder)
        throws -> CommandLineTests.Run {
        try CommandLineTests.run(arguments + ["--store", store],
                                 environment: PostgresTestServer.childEnvironment.merging(environment) { $1 }, in: folder.path)
    }

    /// The reference fixture's imports: both waves, margins, KPIs, a national benchmark.
    static let imports: [[String]] = [
        ["import", "responses", fixture("responses.csv"), "--instrument", Paths.survey("lwc.yaml")],
        ["import", "population", fixture("population.csv"), "--margins", "年代*性別,居住地区"],
        ["import", "kpis", Paths.survey("samples/kpis.csv"), "--catalog", Paths.survey("kpis-lwc.yaml")],
        ["import", "reference", Paths.survey("reference/national-2025.csv"), "--period", "2025"],
    ]

    @Test func sameJSONAsSQLite() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("city.sqlite")
        let server = try PostgresTestServer.newDatabase()
        for store in [file, server] {
            for arguments in Self.imports {
                let run = try Self.run(arguments, store: store, in: folder)
                #expect(run.status == 0, "\(arguments) on \(store): \(run.errors)")
            }
        }
        let queries: [[String]] = [
            ["indicators", "--period", "2025"], ["indicators", "--period", "2024", "--items"],
            ["indicators", "--period", "2025", "--by", "年代"], ["compare", "--period", "2025"],
            ["drivers", "--period", "2025"], ["trend", "--from", "2024", "--to", "2025"], ["batches"],
        ]
        for query in queries {
            let fromFile = try Self.run(query + ["--format", "json"], store: file, in: folder)
            let fromServer = try Self.run(query + ["--format", "json"], store: server, in: folder)
            #expect(fromFile.status == 0 && fromServer.status == 0, "\(query): \(fromFile.errors) \(fromServer.errors)")
            #expect(fromFile.output.count > 100)
            #expect(Self.withoutTimestamps(fromFile.output) == Self.withoutTimestamps(fromServer.output), "\(query)")
        }
    }

    static func withoutTimestamps(_ json: String) -> String {
        json.replacingOccurrences(of: #""importedAt" : "[^"]*""#, with: "", options: .regularExpression)
    }

    /// The fixture's header and its records (a quoted answer may span lines).
    static func records() throws -> (header: String, rows: [String]) {
        var rows: [String] = []
        var pending = ""
        for line in try String(contentsOfFile: fixture("responses.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            pending += pending.isEmpty ? String(line) : "\n" + line
            if pending.filter({ $0 == "\"" }).count % 2 == 0 {
                if !pending.isEmpty { rows.append(pending) }
                pending = ""
            }
        }
        return (rows[0], Array(rows.dropFirst()))
    }

    /// Splits the fixture into files of `count` respondents each.
    static func parts(_ count: Int, in folder: TemporaryFolder) throws -> [String] {
        let (header, rows) = try records()
        return try stride(from: 0, to: rows.count, by: count).map { start in
            try folder.write("part-\(start).csv", ([header] + rows[start..<min(rows.count, start + count)]).joined(separator: "\n") + "\n")
        }
    }

    @Test func sixImportersAtOnceOnANewStore() throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        let partSize = 500
        let parts = try Self.parts(partSize, in: folder)
        // The same bytes under another name, and the first file's respondents with one more after them.
        let firstPart = try String(contentsOfFile: parts[0], encoding: .utf8)
        let copy = try folder.write("copy.csv", firstPart)
        let firstRow = try Self.records().rows[0]
        let sameRespondents = try folder.write("same-respondents.csv", firstPart + "X" + firstRow.dropFirst() + "\n")
        let files = [parts[0], parts[1], parts[2], parts[3], copy, sameRespondents]
        let statuses = Statuses(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let run = try? Self.run(["import", "responses", files[index], "--instrument", Paths.survey("lwc.yaml")],
                                    store: server, in: folder)
            statuses.set(index, run)
        }
        let runs = statuses.all
        #expect(runs.allSatisfy { $0 != nil })
        // Parts 1–4 land; of the first part, its copy and its respondents under other bytes, exactly one does.
        #expect(runs[1...3].allSatisfy { $0?.status == 0 }, "\(runs.map { $0?.errors ?? "" })")
        #expect(runs.filter { $0?.status == 0 }.count == 4, "\(runs.map { $0?.errors ?? "" })")
        #expect(runs.filter { $0?.status == 65 }.count == 2, "\(runs.map { $0?.errors ?? "" })")
        let batches = try Self.run(["batches", "--format", "json"], store: server, in: folder)
        let listed = (try JSONSerialization.jsonObject(with: Data(batches.output.utf8)) as? [String: Any])?["batches"] as? [[String: Any]] ?? []
        #expect(listed.count == 4)
        #expect(listed.compactMap { $0["rowCount"] as? Int }.reduce(0, +) == 4 * partSize)
        #expect(try PostgresTestServer.psql(server, "SELECT sum(rowCount) FROM respondentBlock") == "\(4 * partSize)")
    }

    /// Thread-safe slots for the runs of concurrent processes.
    final class Statuses: @unchecked Sendable {
        private let lock = NSLock()
        private var runs: [CommandLineTests.Run?]
        init(count: Int) { runs = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ run: CommandLineTests.Run?) { lock.lock(); runs[index] = run; lock.unlock() }
        var all: [CommandLineTests.Run?] { lock.lock(); defer { lock.unlock() }; return runs }
    }

    /// The fixture's 3,000 respondents `copies` times over, with ids made unique.
    static func bigFile(copies: Int, prefix: String, in folder: TemporaryFolder) throws -> String {
        let (header, rows) = try records()
        var text = header + "\n"
        for copy in 0..<copies {
            for row in rows { text += "\(prefix)\(copy)-" + row + "\n" }
        }
        return try folder.write("big-\(prefix).csv", text)
    }

    /// Starts an import without waiting for it.
    static func startImport(_ file: String, store: String, in folder: TemporaryFolder, errors: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("wellbeing")
        process.arguments = ["import", "responses", file, "--instrument", Paths.survey("lwc.yaml"), "--store", store]
        var environment = ProcessInfo.processInfo.environment
        environment.merge(PostgresTestServer.childEnvironment) { $1 }
        environment["WELLBEING_LANG"] = "en"
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.standardOutput = FileHandle.nullDevice
        if let errors {
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }

    /// Waits until some process holds the store's write lock (an import is inside its transaction).
    static func waitForWriter(_ store: String, while process: Process) throws -> Bool {
        let query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = \(PostgresBackend.writeLockKey) "
            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        for _ in 0..<400 where process.isRunning {
            if try PostgresTestServer.psql(store, query) == "1" { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    @Test func aKilledImporterLeavesNoTrace() throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        try Self.run(["import", "responses", try Self.parts(500, in: folder)[0], "--instrument", Paths.survey("lwc.yaml")],
                     store: server, in: folder)
        let big = try Self.bigFile(copies: 40, prefix: "k", in: folder)
        let importer = try Self.startImport(big, store: server, in: folder)
        #expect(try Self.waitForWriter(server, while: importer))
        Thread.sleep(forTimeInterval: 0.4)
        #expect(importer.isRunning, "the import ended before it could be killed")
        kill(importer.processIdentifier, SIGKILL)
        importer.waitUntilExit()
        // The server rolls the transaction back when the connection drops: no batch, no block, no free text.
        let batches = try Self.run(["batches", "--format", "json"], store: server, in: folder)
        #expect(((try JSONSerialization.jsonObject(with: Data(batches.output.utf8)) as? [String: Any])?["batches"] as? [Any])?.count == 1)
        #expect(try PostgresTestServer.psql(server, "SELECT count(*) FROM respondentBlock WHERE batchId <> 1") == "0")
        // And the lock is free: the next import goes through at once.
        let next = try Self.run(["import", "responses", big, "--instrument", Paths.survey("lwc.yaml")], store: server, in: folder)
        #expect(next.status == 0, "\(next.errors)")
    }

    /// The server going away in the middle of an import — stopped (`pg_ctl -m immediate stop`) or the network
    /// cut — is said as a lost connection (exit 74, nothing kept), the same every time, over TLS (the default
    /// sslmode=prefer; the server's close comes without TLS's close_notify, which is no certificate problem) or
    /// without, whether the connection ends with FIN or RST. Cut through a relay, so the shared test server stays
    /// up; each case runs three times, and none may hang.
    @Test(arguments: [("prefer", false), ("prefer", true), ("require", false), ("disable", false), ("disable", true)])
    func aServerLostMidImportIsSaidSoEveryTime(_ mode: String, _ reset: Bool) throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        let big = try Self.bigFile(copies: 40, prefix: "lost", in: folder)
        guard let serverPort = URLComponents(string: server)?.port else { throw PostgresTestServer.Missing() }
        for attempt in 1...3 {
            let relay = try Relay(to: serverPort)
            let throughRelay = server.replacingOccurrences(of: ":\(serverPort)/", with: ":\(relay.port)/") + "?sslmode=\(mode)"
            let errors = folder.file("errors-\(attempt).txt")
            let importer = try Self.startImport(big, store: throughRelay, in: folder, errors: errors)
            #expect(try Self.waitForWriter(server, while: importer), "attempt \(attempt): the import never held the write lock")
            Thread.sleep(forTimeInterval: 0.3)
            relay.cut(reset: reset)
            let deadline = Date().addingTimeInterval(60)
            while importer.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if importer.isRunning {
                kill(importer.processIdentifier, SIGKILL)
                Issue.record("attempt \(attempt): the import still waited 60 s after its connection was cut")
            }
            importer.waitUntilExit()
            let said = try String(contentsOfFile: errors, encoding: .utf8)
            #expect(importer.terminationStatus == 74, "attempt \(attempt): \(said)")
            #expect(said.contains("The connection to the PostgreSQL server") && said.contains("was lost")
                    && said.contains("nothing of this command's changes was kept"), "attempt \(attempt): \(said)")
            #expect(!said.contains("TLS") && !said.contains("certificate") && !said.contains("PSQLError"), "attempt \(attempt): \(said)")
            #expect(try PostgresTestServer.psql(server, "SELECT count(*) FROM batch") == "0")
        }
    }

    /// A TCP relay between `wellbeing` and the test server that can cut both sides at once, as a server that
    /// stops or a network that fails does: with FIN, or with RST (`reset`), and never with TLS's close_notify.
    final class Relay: @unchecked Sendable {
        let port: Int
        private let listener: Int32
        private let lock = NSLock()
        private var sockets: [Int32] = []
        private var stopped = false
        private let pumps = DispatchGroup()

        init(to serverPort: Int) throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            listen(listener, 4)
            self.listener = listener
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [self] in
                while true {
                    let client = accept(listener, nil, nil)
                    if client < 0 { return }
                    let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                    var target = Self.loopback(port: serverPort)
                    let connected = withUnsafePointer(to: &target) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                    guard connected == 0, register([client, upstream]) else { close(client); close(upstream); continue }
                    pumps.enter()
                    Thread.detachNewThread { [self] in
                        pump(client, upstream)
                        pumps.leave()
                    }
                }
            }
        }

        static func loopback(port: Int) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            return address
        }

        private func register(_ pair: [Int32]) -> Bool {
            lock.withLock {
                guard !stopped else { return false }
                sockets += pair
                return true
            }
        }

        private var isStopped: Bool { lock.withLock { stopped } }

        /// Copies bytes both ways until either side closes or the relay is cut.
        private func pump(_ a: Int32, _ b: Int32) {
            var descriptors = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !isStopped {
                guard poll(&descriptors, 2, 50) >= 0 else { return }
                for (index, descriptor) in descriptors.enumerated() where descriptor.revents != 0 {
                    let count = read(descriptor.fd, &buffer, buffer.count)
                    if count <= 0 { return }
                    var written = 0
                    let other = index == 0 ? b : a
                    while written < count {
                        let now = buffer[written..<count].withUnsafeBytes { write(other, $0.baseAddress, $0.count) }
                        if now <= 0 { return }
                        written += now
                    }
                }
            }
        }

        /// Cuts every connection and stops accepting new ones.
        func cut(reset: Bool) {
            let open = lock.withLock {
                stopped = true
                return sockets
            }
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            _ = pumps.wait(timeout: .now() + 5)
            for descriptor in open {
                if reset {
                    var linger = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                }
                close(descriptor)
            }
        }
    }

    @Test func aReaderDuringAnImportSeesBeforeOrAfter() throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        let small = try Self.parts(500, in: folder)[0]
        try Self.run(["import", "responses", small, "--instrument", Paths.survey("lwc.yaml")], store: server, in: folder)
        func respondents() throws -> Int? {
            // The first part holds respondents of 2024 only.
            let run = try Self.run(["indicators", "--period", "2024", "--weights", "none", "--format", "json"], store: server, in: folder)
            let json = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
            return (json?["design"] as? [String: Any])?["n"] as? Int
        }
        let before = try #require(try respondents())
        let big = try Self.bigFile(copies: 40, prefix: "r", in: folder)
        let importer = try Self.startImport(big, store: server, in: folder)
        #expect(try Self.waitForWriter(server, while: importer))
        var seenDuring: [Int?] = []
        while importer.isRunning { seenDuring.append(try respondents()) }
        importer.waitUntilExit()
        #expect(importer.terminationStatus == 0)
        let after = try #require(try respondents())
        #expect(after > before)
        #expect(!seenDuring.isEmpty)
        #expect(seenDuring.allSatisfy { $0 == before || $0 == after }, "\(seenDuring) not \(before) or \(after)")
    }

    @Test func loginsThatFailSayWhyWithTheirExitCodes() throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        let wrongPassword = "wrong-\(UUID().uuidString)"
        let refused = try Self.run(["batches"], store: server, environment: ["PGPASSWORD": wrongPassword], in: folder)
        #expect(refused.status == 73)
        #expect(refused.errors.contains("refused the login"), "\(refused.errors)")
        #expect(!refused.errors.contains(wrongPassword) && !refused.output.contains(wrongPassword))
        #expect(!refused.errors.contains("PSQLError") && !refused.errors.contains("Fatal error"))
        // No password at all (and no ~/.pgpass): the server asks, the message says where to put one.
        let none = try CommandLineTests.run(["batches", "--store", server],
                                            environment: ["PGPASSWORD": "", "PGPASSFILE": folder.file("none"), "HOME": folder.path],
                                            in: folder.path)
        #expect(none.status == 73 && none.errors.contains("PGPASSWORD"), "\(none.errors)")
        // A ~/.pgpass that others can read is ignored, as psql ignores it, and the message says so.
        let passFile = try folder.write("pgpass", "*:*:*:*:\(PostgresTestServer.password)\n")
        chmod(passFile, 0o644)
        let open = try CommandLineTests.run(["batches", "--store", server], environment: ["PGPASSWORD": "", "PGPASSFILE": passFile],
                                            in: folder.path)
        #expect(open.status == 73 && open.errors.contains("chmod 600"), "\(open.errors)")
        chmod(passFile, 0o600)
        let privateFile = try CommandLineTests.run(["batches", "--store", server], environment: ["PGPASSWORD": "", "PGPASSFILE": passFile],
                                                   in: folder.path)
        // Logged in: the database simply holds no store yet.
        #expect(privateFile.status == 66 && privateFile.errors.contains("no wellbeing store yet"), "\(privateFile.errors)")
        // A server that is not there: exit 75, try again later.
        let closedPort = try Self.closedPort()
        let down = try Self.run(["batches"], store: "postgresql://nobody@127.0.0.1:\(closedPort)/wellbeing", in: folder)
        #expect(down.status == 75 && down.errors.contains("Cannot reach"), "\(down.errors)")
        // TLS required, and the server offers none (it answers the TLS request with 'N', as PostgreSQL without
        // TLS does): refused before anything is sent.
        let plainServer = try Self.serverWithoutTLS()
        let tls = try Self.run(["batches"], store: "postgresql://nobody@127.0.0.1:\(plainServer.port)/wellbeing?sslmode=require", in: folder)
        #expect(tls.status == 73 && tls.errors.contains("does not offer TLS"), "\(tls.errors)")
        #expect(plainServer.received() == [0, 0, 0, 8, 4, 210, 22, 47], "only the TLS request was sent")
        // A URL that cannot be right is a usage error naming the part.
        let bad = try Self.run(["batches"], store: server + "?sslmode=sometimes", in: folder)
        #expect(bad.status == 64 && bad.errors.contains("sslmode"), "\(bad.errors)")
    }

    @Test func tlsIsUsedAndTheCertificateChecked() throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        guard let authority = PostgresTestServer.environment["WELLBEING_TEST_POSTGRES_CA"] else {
            Issue.record("WELLBEING_TEST_POSTGRES_CA is not set: start the server with .ci/postgres.sh")
            return
        }
        let imported = try Self.run(Self.imports[0], store: server + "?sslmode=require", in: folder)
        #expect(imported.status == 0, "\(imported.errors)")
        // verify-full: a certificate of an authority the system does not trust is refused; with that authority
        // named, the same server is accepted (which it can be only over TLS).
        let respondents = try Self.records().rows.count
        let untrusted = try Self.run(["batches"], store: server + "?sslmode=verify-full", in: folder)
        #expect(untrusted.status == 73 && untrusted.errors.contains("TLS with the PostgreSQL server"), "\(untrusted.errors)")
        let trusted = try Self.run(["batches", "--format", "json"], store: server + "?sslmode=verify-full&sslrootcert=\(authority)", in: folder)
        #expect(trusted.status == 0 && trusted.output.contains("\"rowCount\" : \(respondents)"), "\(trusted.errors)")
        let byEnvironment = try Self.run(["batches"], store: server + "?sslmode=verify-full", environment: ["PGSSLROOTCERT": authority],
                                         in: folder)
        #expect(byEnvironment.status == 0, "\(byEnvironment.errors)")
    }

    /// A TCP server that answers a TLS request with 'N' (no TLS) and records what it was sent.
    final class PlainServer: @unchecked Sendable {
        let port: Int
        private let descriptor: Int32
        private var bytes: [UInt8] = []
        private let done = DispatchSemaphore(value: 0)

        init() throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
            listen(listener, 1)
            descriptor = listener
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [self] in
                let client = accept(descriptor, nil, nil)
                var buffer = [UInt8](repeating: 0, count: 64)
                var answered = false
                while true {
                    let count = read(client, &buffer, buffer.count)
                    if count <= 0 { break }
                    bytes += buffer[0..<count]
                    if !answered && bytes.count >= 8 { _ = write(client, "N", 1); answered = true }
                }
                close(client)
                done.signal()
            }
        }

        deinit { close(descriptor) }

        /// What the client sent before it hung up.
        func received() -> [UInt8] {
            _ = done.wait(timeout: .now() + 10)
            return bytes
        }
    }

    static func serverWithoutTLS() throws -> PlainServer { try PlainServer() }

    static func closedPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))  // bound, never listening: connections are refused
    }

    @Test func thePasswordNeverAppears() throws {
        let folder = try TemporaryFolder()
        let server = try PostgresTestServer.newDatabase()
        let password = PostgresTestServer.password
        try #require(password.count >= 8)
        // In the URL itself, in WELLBEING_STORE (accepted, as psql accepts it: the environment is not in the process
        // list; PGPASSWORD is empty, so the URL's password is the one used), and in PGPASSWORD.
        let withPassword = server.replacingOccurrences(
            of: "@", with: ":\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)@")
        var everything = ""
        for store in [withPassword, server] {
            for arguments in Self.imports + [["batches"], ["batches", "--format", "json"], ["indicators", "--period", "2025", "--format", "json"],
                                             ["report", "--period", "2025", "--out", folder.file("reports"), "--format", "html"],
                                             ["undo", "99"]] {
                let run = store == withPassword
                    ? try CommandLineTests.run(arguments, environment: ["WELLBEING_STORE": withPassword, "PGPASSWORD": ""], in: folder.path)
                    : try Self.run(arguments, store: store, in: folder)
                if store == withPassword && arguments != ["undo", "99"] { #expect(run.status == 0, "\(arguments): \(run.errors)") }
                everything += run.output + run.errors
            }
        }
        // On the command line, where every user of the computer could read it: refused, the password masked.
        let argument = try Self.run(["batches"], store: withPassword, in: folder)
        #expect(argument.status == 64 && argument.errors.contains(":***@127.0.0.1:"), "\(argument.errors)")
        everything += argument.output + argument.errors
        #expect(everything.contains("postgresql://127.0.0.1:"))
        #expect(!everything.contains(password))
        for file in try FileManager.default.subpathsOfDirectory(atPath: folder.file("reports")) {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("reports/\(file)")))
            #expect(!String(decoding: data, as: UTF8.self).contains(password), "\(file)")
        }
        // Nor in the store: every text column of every table.
        let dump = try PostgresTestServer.psql(server, """
            SELECT string_agg(t::text, ' ') FROM (SELECT * FROM batch) t UNION ALL
            SELECT string_agg(t::text, ' ') FROM (SELECT * FROM instrument) t
            """)
        #expect(dump.contains("citizen") || dump.contains("responses.csv"))
        #expect(!dump.contains(password))
    }

    @Test func theReadmesRolesImportAndReadButAReaderCannotWrite() throws {
        let folder = try TemporaryFolder()
        guard let admin = PostgresTestServer.url, let serverURL = PostgresTestServer.serverURL else { throw PostgresTestServer.Missing() }
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        let importer = "wb_importer_\(suffix)", reader = "wb_reader_\(suffix)", database = "wbroles_\(suffix)"
        // As README "A shared store on PostgreSQL" says, for one importer login and one reader login.
        try PostgresTestServer.psql(admin, "CREATE ROLE \(importer) LOGIN PASSWORD 'imp-\(suffix)'")
        try PostgresTestServer.psql(admin, "CREATE ROLE \(reader) LOGIN PASSWORD 'read-\(suffix)'")
        try PostgresTestServer.psql(admin, "CREATE DATABASE \(database) OWNER \(importer)")
        let host = serverURL.replacingOccurrences(of: #"postgresql://[^@]*@"#, with: "", options: .regularExpression)
        try PostgresTestServer.psql(serverURL + "/" + database, """
            REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO \(reader);
            ALTER DEFAULT PRIVILEGES FOR ROLE \(importer) IN SCHEMA public GRANT SELECT ON TABLES TO \(reader);
            """)
        let asImporter = "postgresql://\(importer)@\(host)/\(database)", asReader = "postgresql://\(reader)@\(host)/\(database)"
        let imported = try CommandLineTests.run(Self.imports[0] + ["--store", asImporter], environment: ["PGPASSWORD": "imp-\(suffix)"],
                                                in: folder.path)
        #expect(imported.status == 0, "\(imported.errors)")
        // The accounts' password hashes are kept from readers, as the README says after the first import.
        try PostgresTestServer.psql("postgresql://\(importer):imp-\(suffix)@\(host)/\(database)", "REVOKE SELECT ON account FROM \(reader)")
        let denied = #expect(throws: TestFailure.self) {
            try PostgresTestServer.psql("postgresql://\(reader):read-\(suffix)@\(host)/\(database)", "SELECT count(*) FROM account")
        }
        #expect(denied?.description.contains("permission denied") == true, "\(String(describing: denied))")
        let read = try CommandLineTests.run(["indicators", "--period", "2025", "--store", asReader],
                                            environment: ["PGPASSWORD": "read-\(suffix)"], in: folder.path)
        #expect(read.status == 0, "\(read.errors)")
        for arguments in [Self.imports[1], ["undo", "1"]] {
            let refused = try CommandLineTests.run(arguments + ["--store", asReader], environment: ["PGPASSWORD": "read-\(suffix)"],
                                                   in: folder.path)
            #expect(refused.status == 73 && refused.errors.contains("importer role"), "\(refused.errors)")
        }
        #expect(try PostgresTestServer.psql(serverURL + "/" + database, "SELECT count(*) FROM batch") == "1")
    }

    @Test func anOlderSchemaIsMigratedOnceEvenByReaders() throws {
        let server = try PostgresTestServer.newDatabase()
        try importResponses(try SurveyStore(path: server), Paths.fixture("mini-utf8.csv"))
        // The store as schema 003 left it.
        try PostgresTestServer.psql(server, """
            ALTER TABLE freeText DROP COLUMN seq; ALTER TABLE populationCell DROP COLUMN seq;
            DELETE FROM grdb_migrations WHERE identifier = '004 explicit row order'
            """)
        let readers = Statuses(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            readers.set(index, (try? SurveyStore(path: server, access: .read).batches().count).map {
                CommandLineTests.Run(status: Int32($0), output: "", errors: "")
            })
        }
        #expect(readers.all.map { $0?.status } == [1, 1, 1, 1])
        #expect(try PostgresTestServer.psql(server, "SELECT count(*) FROM grdb_migrations") == "\(StoreSchema.identifiers.count)")
        #expect(try SurveyStore(path: server, access: .read).freeText(survey: SurveyID("mini"), period: PeriodLabel("2025")).count == 2)
    }

    @Test func storeCopyUpAndBackDown() throws {
        let folder = try TemporaryFolder()
        let file = folder.file("city.sqlite")
        for arguments in Self.imports {
            #expect(try CommandLineTests.run(arguments + ["--store", file], in: folder.path).status == 0)
        }
        // Accounts and who imported a batch travel with the store.
        let accounts = [Account(name: "佐藤", role: .importer, passwordHash: "$2b$12$hash-of-sato", createdAt: "2026-12-03T00:00:00Z"),
                        Account(name: "Zoe", role: .admin, passwordHash: "$2b$12$hash-of-zoe", createdAt: "2026-12-03T00:00:01Z"),
                        Account(name: "abe", role: .viewer, passwordHash: "$2b$12$hash-of-abe", createdAt: "2026-12-03T00:00:02Z")]
        for account in accounts { try SurveyStore(path: file).addAccount(account) }
        _ = try StoreFiles.sqlite(file, "INSERT INTO batchImporter (batchId, account) VALUES (1, '佐藤');")
        let server = try PostgresTestServer.newDatabase()
        let respondents = try Self.records().rows.count
        let up = try CommandLineTests.run(["store", "copy", file, server], environment: PostgresTestServer.childEnvironment, in: folder.path)
        #expect(up.status == 0 && up.errors.contains("Copied \(Self.imports.count) batch(es), \(respondents) respondent(s)"), "\(up.errors)")
        let down = folder.file("offline.sqlite")
        let back = try CommandLineTests.run(["store", "copy", server, down], environment: PostgresTestServer.childEnvironment, in: folder.path)
        #expect(back.status == 0, "\(back.errors)")
        for query in [["indicators", "--period", "2025"], ["trend", "--from", "2024", "--to", "2025"], ["batches"]] {
            let outputs = try [file, server, down].map { try Self.run(query + ["--format", "json"], store: $0, in: folder).output }
            #expect(Set(outputs).count == 1, "\(query)")
        }
        for copy in [server, down] {
            let store = try SurveyStore(path: copy, access: .read)
            #expect(try Set(store.accounts()) == Set(accounts) && store.importers() == [1: "佐藤"], "\(copy)")
        }
        // The copy on the server takes new imports after the copied batch numbers.
        let more = try Self.bigFile(copies: 1, prefix: "m", in: folder)
        let added = try Self.run(["import", "responses", more, "--instrument", Paths.survey("lwc.yaml")], store: server, in: folder)
        #expect(added.status == 0 && added.errors.contains("as batch \(Self.imports.count + 1)"), "\(added.errors)")
        // Into a store that holds batches: refused, nothing written; onto itself: refused.
        let full = try CommandLineTests.run(["store", "copy", file, server], environment: PostgresTestServer.childEnvironment, in: folder.path)
        #expect(full.status == 65 && full.errors.contains("already holds \(Self.imports.count + 1) batch(es)"), "\(full.errors)")
        let itself = try CommandLineTests.run(["store", "copy", file, file], in: folder.path)
        #expect(itself.status == 64)
        // A copy whose source refuses the login creates nothing (StoreBackendTests fails a copy after its new
        // file exists).
        let refusedDown = folder.file("refused.sqlite")
        let failing = try CommandLineTests.run(["store", "copy", server, refusedDown], environment: ["PGPASSWORD": "wrong"], in: folder.path)
        #expect(failing.status == 73)
        #expect(FileKind.of(refusedDown) == .missing)
    }
}
#endif
