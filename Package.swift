// swift-tools-version: 6.2
import PackageDescription

// Spool: a durable, Kafka-compatible log broker. Module plan: docs/architecture.md.
let package = Package(
    name: "Spool",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spool", targets: ["spool"]),
        .library(name: "SpoolRecords", targets: ["SpoolRecords"]),
        .library(name: "SpoolProtocol", targets: ["SpoolProtocol"]),
        .library(name: "SpoolLog", targets: ["SpoolLog"]),
        .library(name: "SpoolMetadata", targets: ["SpoolMetadata"]),
        .library(name: "SpoolBroker", targets: ["SpoolBroker"]),
        .library(name: "SpoolClient", targets: ["SpoolClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // HdrHistogram: latency percentiles for `spool bench`.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The admin HTTP listener (health, metrics, JSON API, web console) and its password hashes.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Prometheus text exposition of the swift-metrics instruments (`/metrics` on the admin listener).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // TLS listeners (SSL, SASL_SSL), and the subject of a client certificate for its principal.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        // CRC32C kernels in C: SSE4.2 behind a runtime CPU check, slicing-by-8 elsewhere.
        .target(name: "CCRC32C"),
        // fallocate(FALLOC_FL_KEEP_SIZE), which Swift's Glibc module does not import.
        .target(name: "CSpoolIO"),
        // Kafka's batch codecs from Debian's -dev packages.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        .target(
            name: "SpoolRecords",
            dependencies: [
                "CCRC32C", "CZlib", "CSnappy", "CLZ4", "CZstd",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Sans-IO Kafka wire protocol: primitives, framing, headers and the generated messages.
        .target(
            name: "SpoolProtocol",
            dependencies: [
                "SpoolRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                // SCRAM's HMAC and SHA-2, shared by the broker's exchange and the client's salted passwords.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Reads ../shared/kafka-protocol/messages/*.json and writes Sources/SpoolProtocol/Generated/.
        .executableTarget(name: "spool-codegen"),
        .target(
            name: "SpoolLog",
            dependencies: [
                "SpoolRecords", "CSpoolIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Topics, topic IDs, configs and producer ids in one SQLite database (WAL), through GRDB.
        .target(
            name: "SpoolMetadata",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "SpoolBroker",
            dependencies: [
                "SpoolLog",
                "SpoolRecords",
                "SpoolProtocol",
                "SpoolMetadata",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // A pure-Swift Kafka client on NIO: connections, producer, consumer, admin.
        .target(
            name: "SpoolClient",
            dependencies: [
                "SpoolProtocol", "SpoolRecords",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The operator's window: an HTTP listener on its own event loop with health, /metrics, a JSON API that
        // acts through SpoolClient over the broker's own Kafka listener, and the web console.
        .target(
            name: "SpoolAdmin",
            dependencies: [
                "SpoolBroker", "SpoolClient", "SpoolLog", "SpoolRecords",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "spool",
            dependencies: [
                "CSpoolIO",
                "SpoolAdmin",
                "SpoolBroker",
                "SpoolClient",
                "SpoolLog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The README's "SpoolClient as a library" example, built (and run by SpoolClientTests) with the package;
        // Examples/SpoolClientExample/Package.swift builds the same file as another package would.
        .executableTarget(
            name: "spool-client-example",
            dependencies: ["SpoolClient", .product(name: "NIOCore", package: "swift-nio")],
            path: "Examples/SpoolClientExample/Sources/SpoolClientExample"
        ),
        // Helpers the test targets share (seeded randomness, commands, malformed batches): a library, not tests.
        .target(
            name: "SpoolTestSupport",
            dependencies: ["SpoolRecords", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/SpoolTestSupport"
        ),
        .testTarget(name: "SpoolRecordsTests", dependencies: ["SpoolRecords", "SpoolTestSupport"]),
        .testTarget(
            name: "SpoolClientTests",
            dependencies: [
                "SpoolClient", "SpoolProtocol", "SpoolRecords", "SpoolTestSupport", "spool", "spool-client-example",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SpoolProtocolTests",
            dependencies: [
                "SpoolProtocol", "SpoolRecords", "SpoolTestSupport", "spool-codegen",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // Fixtures are read through #filePath, so they stay plain files in the source tree.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SpoolLogTests",
            dependencies: [
                "SpoolLog", "SpoolRecords", "SpoolTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SpoolMetadataTests",
            dependencies: ["SpoolMetadata", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "SpoolBrokerTests",
            dependencies: [
                "SpoolBroker", "SpoolLog", "SpoolMetadata", "SpoolProtocol", "SpoolRecords", "SpoolTestSupport", "spool",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
