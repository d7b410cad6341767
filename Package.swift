// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "wellbeing",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "wellbeing", targets: ["wellbeing"]),
        .library(name: "WellBeingCore", targets: ["WellBeingCore"]),
        .library(name: "WellBeingIngest", targets: ["WellBeingIngest"]),
        .library(name: "WellBeingStore", targets: ["WellBeingStore"]),
        .library(name: "WellBeingAnalysis", targets: ["WellBeingAnalysis"]),
        .library(name: "WellBeingReport", targets: ["WellBeingReport"]),
        .library(name: "WellBeingWorkspace", targets: ["WellBeingWorkspace"]),
        .library(name: "WellBeingServer", targets: ["WellBeingServer"]),
        .library(name: "WellBeingCLI", targets: ["WellBeingCLI"]),
    ],
    // A store on a PostgreSQL server (`--store postgresql://…`) needs postgres-nio and SwiftNIO, which add
    // minutes to a first build; most users keep one SQLite file, so a plain build leaves them out:
    // `swift build --traits PostgreSQL` (or `swift test --traits PostgreSQL`) brings them in.
    //
    // `wellbeing serve` (the survey workspace in a browser) needs Hummingbird and SwiftNIO, another few minutes of a
    // first build: `--traits Server` brings it in. The release binary (Packaging/deb.sh) and CI build both traits.
    traits: [
        .trait(name: "PostgreSQL", description: "Stores on a PostgreSQL server, through postgres-nio."),
        .trait(name: "Server", description: "wellbeing serve: the survey workspace in a browser, through Hummingbird."),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
    ],
    targets: [
        // Plain value types shared by every other module.
        .target(name: "WellBeingCore"),
        // Reading files: encodings, CSV, .xlsx workbooks, instruments, KPI catalogues. Never writes the store.
        .target(name: "WellBeingIngest", dependencies: [
            "WellBeingCore",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // The store: imports and queries over a backend (an SQLite file, or PostgreSQL with the trait). It takes
        // values and opened sources; it never reads an input file, so it does not depend on Ingest.
        .target(name: "WellBeingStore", dependencies: [
            "WellBeingCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
            .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["PostgreSQL"])),
            .product(name: "NIOPosix", package: "swift-nio", condition: .when(traits: ["PostgreSQL"])),
            .product(name: "NIOSSL", package: "swift-nio-ssl", condition: .when(traits: ["PostgreSQL"])),
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["PostgreSQL"])),
        ]),
        // Survey statistics over in-memory columns. Never touches the store.
        .target(name: "WellBeingAnalysis", dependencies: ["WellBeingCore"]),
        // Markdown, HTML, SVG and .xlsx rendering of analysed values.
        .target(name: "WellBeingReport", dependencies: [
            "WellBeingCore", "WellBeingAnalysis",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // What every front end does with files and the store: opens input files (Ingest) and hands what they
        // hold to the store (Store).
        .target(name: "WellBeingWorkspace", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingAnalysis", "WellBeingReport",
        ]),
        // `wellbeing serve`: pages and the HTTP API over the Workspace (with the Server trait; empty without it).
        .target(name: "WellBeingServer", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingAnalysis", "WellBeingReport", "WellBeingWorkspace",
            .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Server"])),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth", condition: .when(traits: ["Server"])),
            .product(name: "Crypto", package: "swift-crypto", condition: .when(traits: ["Server"])),
            .product(name: "HummingbirdCore", package: "hummingbird", condition: .when(traits: ["Server"])),
            .product(name: "HummingbirdTLS", package: "hummingbird", condition: .when(traits: ["Server"])),
            .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["Server"])),
            .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Server"])),
            .product(name: "NIOSSL", package: "swift-nio-ssl", condition: .when(traits: ["Server"])),
            .product(name: "NIOPosix", package: "swift-nio", condition: .when(traits: ["Server"])),
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Server"])),
        ]),
        // The command line: argument parsing and wiring of the libraries.
        .target(name: "WellBeingCLI", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingAnalysis", "WellBeingReport", "WellBeingWorkspace",
            "WellBeingServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "wellbeing", dependencies: ["WellBeingCLI"]),
        // Tests: one target per library, for what can be tested without the libraries above it, and the command
        // line's and the server's tests end to end (WellBeingTests); their shared helpers (paths, temporary
        // folders, the PostgreSQL test server, test workbooks) in WellBeingTestSupport.
        .target(name: "WellBeingTestSupport", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingWorkspace",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], path: "Tests/WellBeingTestSupport"),
        .testTarget(name: "WellBeingAnalysisTests", dependencies: ["WellBeingCore", "WellBeingAnalysis", "WellBeingTestSupport"]),
        .testTarget(name: "WellBeingIngestTests", dependencies: ["WellBeingCore", "WellBeingIngest", "WellBeingTestSupport"]),
        .testTarget(name: "WellBeingReportTests", dependencies: ["WellBeingCore", "WellBeingReport", "WellBeingTestSupport"]),
        .testTarget(name: "WellBeingStoreTests", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingWorkspace", "WellBeingTestSupport",
        ]),
        .testTarget(name: "WellBeingWorkspaceTests", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingAnalysis", "WellBeingReport", "WellBeingWorkspace",
            "WellBeingTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .testTarget(name: "WellBeingTests", dependencies: [
            "WellBeingCore", "WellBeingIngest", "WellBeingStore", "WellBeingAnalysis", "WellBeingReport",
            "WellBeingWorkspace", "WellBeingCLI", "WellBeingServer", "WellBeingTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Server"])),
            .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["Server"])),
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Server"])),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ], exclude: ["Fixtures", "Snapshots"]),
    ]
)
