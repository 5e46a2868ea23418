// swift-tools-version: 6.1
import PackageDescription

// Spool's micro-benchmarks, kept apart so that the main build never compiles package-benchmark.
// Run from the repository root with `make bench`, or here with `swift package benchmark`.
let package = Package(
    name: "SpoolBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Spool", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "LogBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SpoolLog", package: "Spool"),
                .product(name: "SpoolRecords", package: "Spool"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/LogBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "ProtocolBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SpoolProtocol", package: "Spool"),
                .product(name: "SpoolRecords", package: "Spool"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/ProtocolBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "GroupBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SpoolMetadata", package: "Spool"),
            ],
            path: "Benchmarks/GroupBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "ShareBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SpoolBroker", package: "Spool"),
                .product(name: "SpoolMetadata", package: "Spool"),
            ],
            path: "Benchmarks/ShareBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
