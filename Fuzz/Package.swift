// swift-tools-version: 6.1
// libFuzzer targets for the CSV reader (with the response parser), the .xlsx reader and the instrument loader.
// Build and run (see README.md, "Fuzzing"):
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product FuzzCSV
//   .build/debug/FuzzCSV Corpus/csv -max_total_time=900
import PackageDescription

let package = Package(
    name: "wellbeing-fuzz",
    dependencies: [
        .package(name: "wellbeing", path: "../"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [
            .product(name: "WellBeingCore", package: "wellbeing"),
            .product(name: "WellBeingIngest", package: "wellbeing"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .executableTarget(name: "FuzzCSV", dependencies: [
            "FuzzSupport",
            .product(name: "WellBeingCore", package: "wellbeing"),
            .product(name: "WellBeingIngest", package: "wellbeing"),
        ]),
        .executableTarget(name: "FuzzWorkbook", dependencies: [
            "FuzzSupport",
            .product(name: "WellBeingCore", package: "wellbeing"),
            .product(name: "WellBeingIngest", package: "wellbeing"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .executableTarget(name: "FuzzInstrument", dependencies: [
            "FuzzSupport",
            .product(name: "WellBeingCore", package: "wellbeing"),
            .product(name: "WellBeingIngest", package: "wellbeing"),
        ]),
    ]
)
