import ArgumentParser
import Foundation
import WellBeingCore
import WellBeingStore
import WellBeingWorkspace
#if Server
import WellBeingServer
#endif
#if canImport(Glibc)
import Glibc
#endif

extension AccountRole: ExpressibleByArgument {}

/// `wellbeing users …`: the accounts that sign in to `wellbeing serve`, kept in the store.
struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts of wellbeing serve: add, list, change the password of, remove.",
        discussion: """
            viewer: figures and reports; importer: also imports and undo; admin: also accounts. A password is
            read from standard input (typed without being shown, or piped), never from the command line, and
            kept only as its bcrypt hash. With accounts in the store, wellbeing serve asks for a name and a
            password instead of printing a one-time login address. A new password or the account's removal signs
            its browsers out (within 30 seconds on a running server).

            Examples:
              wellbeing users add sato --role importer
              printf '%s\\n' "$PASSWORD" | wellbeing users add suzuki --role viewer
              wellbeing users list
            """,
        subcommands: [UsersAdd.self, UsersList.self, UsersPasswd.self, UsersRemove.self])

    /// The password from standard input: typed without echo on a terminal (after a prompt on standard error),
    /// else the first line of what is piped.
    static func readPassword(for name: String) -> String {
        let terminal = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if terminal {
            Console.message(Message(.passwordFromStdin, ["name": name]).text(in: Console.language))
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        }
        defer { if terminal { tcsetattr(STDIN_FILENO, TCSANOW, &saved) } }
        return readLine(strippingNewline: true) ?? ""
    }

    /// The hash of the password read for `name`.
    static func passwordHash(for name: String) throws -> String {
        #if Server
        return try Passwords.hash(readPassword(for: name))
        #else
        throw WellBeingError(.usage, Message(.serveNotBuilt))
        #endif
    }
}

struct UsersAdd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account (password from standard input).")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The account's name.", valueName: "name")) var name: String
    @Option(help: ArgumentHelp("viewer, importer or admin.", valueName: "role")) var role: AccountRole

    func run() throws {
        try reportingFailures {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw WellBeingError(.usage, Message(.serveMissingParameter, ["name": "NAME"])) }
            let hash = try Users.passwordHash(for: trimmed)
            let stamp = ISO8601DateFormatter().string(from: Date())
            try SurveyStore(path: storeOptions.path).addAccount(Account(name: trimmed, role: role, passwordHash: hash, createdAt: stamp))
            Console.say(Message(.accountAdded, ["name": trimmed, "role": role.rawValue]))
        }
    }
}

struct UsersList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts and their roles.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption

    func run() throws {
        try reportingFailures {
            let accounts = try storeOptions.openForReading().accounts()
            guard !accounts.isEmpty else { return Console.say(Message(.accountNone)) }
            Console.output(accounts.map { "\($0.name)\t\($0.role.rawValue)\t\($0.createdAt)\n" }.joined())
        }
    }
}

struct UsersPasswd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "passwd",
                                                    abstract: "Set an account's password (from standard input), and its role with --role.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The account's name.", valueName: "name")) var name: String
    @Option(help: ArgumentHelp("A new role: viewer, importer or admin.", valueName: "role")) var role: AccountRole?

    func run() throws {
        try reportingFailures {
            let store = try storeOptions.openExistingForWriting()
            guard try store.account(named: name) != nil else {
                try store.updateAccount(name, passwordHash: nil)  // says which accounts there are
                return
            }
            try store.updateAccount(name, passwordHash: try Users.passwordHash(for: name), role: role)
            Console.say(Message(.accountUpdated, ["name": name]))
        }
    }
}

struct UsersRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an account.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var languageOption: LanguageOption
    @Argument(help: ArgumentHelp("The account's name.", valueName: "name")) var name: String

    func run() throws {
        try reportingFailures {
            try storeOptions.openExistingForWriting().removeAccount(name)
            Console.say(Message(.accountRemoved, ["name": name]))
        }
    }
}
