import Foundation
import Testing
@testable import spool_codegen

/// The package root, found from this file's path (Tests/SpoolProtocolTests/CodegenTests.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
/// Kafka's schemas, which sit in ../shared beside the clone (absent in some checkouts).
let schemaDirectory = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/kafka-protocol/messages")
/// Kafka 4.1's newer schemas, which replace `messages/` file by file (see `make generate`).
let overlayDirectory = packageRoot.deletingLastPathComponent().appendingPathComponent(
    "shared/kafka-protocol/messages-4.x")
let schemasPresent = FileManager.default.fileExists(atPath: schemaDirectory.path)
    && FileManager.default.fileExists(atPath: overlayDirectory.path)

@Suite("Code generation")
struct CodegenTests {
    /// Proves the committed Generated/ folders are exactly what spool-codegen writes from ../shared today.
    @Test(.enabled(if: schemasPresent, "../shared/kafka-protocol/messages is absent: cannot regenerate"))
    func committedOutputIsUpToDate() throws {
        let output = try SpoolCodegen.generate(messagesDirectory: schemaDirectory, overlays: [overlayDirectory])
        let sources = packageRoot.appendingPathComponent("Sources/SpoolProtocol/Generated")
        let tests = packageRoot.appendingPathComponent("Tests/SpoolProtocolTests/Generated")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spool-codegen-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try SpoolCodegen.write(output.sources, to: scratch.appendingPathComponent("sources"))
        try SpoolCodegen.write(output.tests, to: scratch.appendingPathComponent("tests"))
        for (directory, files) in [(sources, output.sources), (tests, output.tests)] {
            let committed = Set(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") })
            #expect(
                committed == Set(files.keys),
                "generated file set differs in \(directory.lastPathComponent); run make generate")
            for (name, text) in files {
                let current = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
                #expect(current == text, "\(name) differs from the generator's output; run make generate")
            }
        }
    }

    /// Proves an overlay folder's file replaces the base folder's file of the same name and adds new ones.
    @Test(.enabled(if: schemasPresent, "../shared/kafka-protocol is absent"))
    func overlayWinsWhereBothHoldAFile() throws {
        let files = try SpoolCodegen.schemaFiles(messagesDirectory: schemaDirectory, overlays: [overlayDirectory])
        let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.lastPathComponent, $0) })
        #expect(byName["MetadataRequest.json"] == overlayDirectory.appendingPathComponent("MetadataRequest.json"))
        #expect(byName["FetchRequest.json"] == schemaDirectory.appendingPathComponent("FetchRequest.json"))
        #expect(byName["DeleteShareGroupOffsetsRequest.json"] != nil)
        let output = try SpoolCodegen.generate(messagesDirectory: schemaDirectory, overlays: [overlayDirectory])
        #expect(output.sources["ShareGroupHeartbeatRequest.swift"]?.contains("1...1") == true)
    }

    /// Proves comments are stripped outside string literals only.
    @Test func commentStripping() {
        let text = "{ // comment\n \"about\": \"http://x // y\" // trailing\n}"
        #expect(SchemaLoader.stripComments(text) == "{ \n \"about\": \"http://x // y\" \n}")
    }

    /// Proves version specs parse and turn into the simplest conditions.
    @Test func versionConditions() throws {
        #expect(try VersionSpec(parsing: "3+").condition(within: 0...11) == "version >= 3")
        #expect(try VersionSpec(parsing: "0+").condition(within: 0...11) == "true")
        #expect(try VersionSpec(parsing: "1-4").condition(within: 0...11) == "version >= 1 && version <= 4")
        #expect(try VersionSpec(parsing: "none").condition(within: 0...11) == "false")
        #expect(try VersionSpec(parsing: "12+").condition(within: 0...11) == "false")
    }
}
