// swift-tools-version: 6.1
// libFuzzer targets for the CSV reader (with the response parser) and the instrument loader.
// Build and run (see README.md, "Fuzzing"):
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product FuzzCSV
//   .build/debug/FuzzCSV Corpus/csv -max_total_time=900
import PackageDescription

let package = Package(
    name: "wellbeing-fuzz",
    dependencies: [.package(name: "wellbeing", path: "../")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzCSV", dependencies: [
            "FuzzSupport",
            .product(name: "WellBeingCore", package: "wellbeing"),
            .product(name: "WellBeingIngest", package: "wellbeing"),
        ]),
        .executableTarget(name: "FuzzInstrument", dependencies: [
            "FuzzSupport",
            .product(name: "WellBeingCore", package: "wellbeing"),
            .product(name: "WellBeingIngest", package: "wellbeing"),
        ]),
    ]
)
