// swift-tools-version: 6.2
import PackageDescription

// The README's "SpoolClient as a library" example as a package of its own, depending on Spool by path.
// Another package points the path at its clone of Spool (the README's `../spool`), or uses `.package(url:)`
// for a hosted copy; its source is the same file the root package builds as `spool-client-example`.
let package = Package(
    name: "SpoolClientExample",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Spool", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "SpoolClientExample",
            dependencies: [
                .product(name: "SpoolClient", package: "Spool"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
