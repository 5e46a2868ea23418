import Foundation

/// Generates Swift codecs for every Kafka message from Kafka's JSON schemas.
///
/// Usage: `spool-codegen <messages-dir> [--overlay <newer-messages-dir>]... <sources-output-dir> [<tests-output-dir>]`.
/// Each overlay folder's `X.json` replaces the base folder's `X.json` (later overlays win), so a folder of newer
/// schemas (e.g. Kafka 4.1's share-group files) can update some APIs while the rest stay as they were.
/// Writes one file per schema plus `ApiKey.swift` into the sources directory and, when given, the seeded
/// random-value generators used by the round-trip tests into the tests directory. Output is deterministic.
@main
enum SpoolCodegen {
    static func main() {
        var parts: [String] = []
        var overlays: [URL] = []
        var arguments = CommandLine.arguments.dropFirst()[...]
        while let argument = arguments.popFirst() {
            if argument == "--overlay", let folder = arguments.popFirst() {
                overlays.append(URL(fileURLWithPath: folder))
            } else {
                parts.append(argument)
            }
        }
        guard parts.count == 2 || parts.count == 3 else {
            print(
                "usage: spool-codegen <messages-dir> [--overlay <newer-messages-dir>]... "
                    + "<sources-output-dir> [<tests-output-dir>]")
            exit(64)
        }
        do {
            let output = try generate(
                messagesDirectory: URL(fileURLWithPath: parts[0]), overlays: overlays)
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

    /// Reads every `*.json` schema in `messagesDirectory`, replaced file by file by those in `overlays` (the
    /// last overlay holding a file wins; overlay-only files are added), and renders all output files in memory.
    static func generate(messagesDirectory: URL, overlays: [URL] = []) throws -> Output {
        let messages = try schemaFiles(messagesDirectory: messagesDirectory, overlays: overlays)
            .map { try SchemaLoader.load(url: $0) }
        var sources: [String: String] = [:]
        for message in messages {
            sources["\(message.name).swift"] = try MessageEmitter(message: message).emitFile()
        }
        sources["ApiKey.swift"] = try ApiKeyEmitter(messages: messages).emit()
        let tests = ["RandomMessages.swift": try RandomEmitter(messages: messages).emit()]
        return Output(sources: sources, tests: tests)
    }

    /// The schema file to read for each name, sorted by name: the base folder's unless an overlay holds it.
    static func schemaFiles(messagesDirectory: URL, overlays: [URL]) throws -> [URL] {
        var chosen: [String: URL] = [:]
        for folder in [messagesDirectory] + overlays {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".json") {
                chosen[name] = folder.appendingPathComponent(name)
            }
        }
        return chosen.keys.sorted().compactMap { chosen[$0] }
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
