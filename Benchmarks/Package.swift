// swift-tools-version: 6.1
// Benchmarks, kept out of the main package so that its build and tests never pull in the benchmark library.
//   cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "wellbeing-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "wellbeing", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "WellBeingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WellBeingCore", package: "wellbeing"),
                .product(name: "WellBeingIngest", package: "wellbeing"),
                .product(name: "WellBeingStore", package: "wellbeing"),
                .product(name: "WellBeingWorkspace", package: "wellbeing"),
            ],
            path: "Benchmarks/WellBeingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
