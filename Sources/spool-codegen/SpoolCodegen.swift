import Foundation

/// Generates Swift codecs for every Kafka message from Kafka's JSON schemas.
///
/// Usage: `spool-codegen <messages-dir> <sources-output-dir> [<tests-output-dir>]`.
/// Writes one file per schema plus `ApiKey.swift` into the sources directory and, when given, the seeded
/// random-value generators used by the round-trip tests into the tests directory. Output is deterministic.
@main
enum SpoolCodegen {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard arguments.count == 2 || arguments.count == 3 else {
            print("usage: spool-codegen <messages-dir> <sources-output-dir> [<tests-output-dir>]")
            exit(64)
        }
        let parts = Array(arguments)
        do {
            let output = try generate(messagesDirectory: URL(fileURLWithPath: parts[0]))
            try write(output.sources, to: URL(fileURLWithPath: parts[1]))
            if parts.count == 3 { try write(output.tests, to: URL(fileURLWithPath: parts[2])) }
            print("spool-codegen: wrote \(output.sources.count) source files")
        } catch {
            print("spool-codegen: \(error)")
            exit(1)
        }
    }

    /// File name → contents for the sources and for the tests.
    struct Output {
        var sources: [String: String]
        var tests: [String: String]
    }

    /// Reads every `*.json` schema in `messagesDirectory` and renders all output files in memory.
    static func generate(messagesDirectory: URL) throws -> Output {
        let names = try FileManager.default.contentsOfDirectory(atPath: messagesDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        let messages = try names.map { try SchemaLoader.load(url: messagesDirectory.appendingPathComponent($0)) }
        var sources: [String: String] = [:]
        for message in messages {
            sources["\(message.name).swift"] = try MessageEmitter(message: message).emitFile()
        }
        sources["ApiKey.swift"] = try ApiKeyEmitter(messages: messages).emit()
        let tests = ["RandomMessages.swift": try RandomEmitter(messages: messages).emit()]
        return Output(sources: sources, tests: tests)
    }

    /// Replaces the generated files in `directory` with `files`, removing stale `.swift` files.
    static func write(_ files: [String: String], to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for existing in try manager.contentsOfDirectory(atPath: directory.path)
        where existing.hasSuffix(".swift") && files[existing] == nil {
            try manager.removeItem(at: directory.appendingPathComponent(existing))
        }
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}
