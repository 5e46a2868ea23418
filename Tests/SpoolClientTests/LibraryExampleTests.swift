import Foundation
import SpoolTestSupport
import Testing

@Suite("the README's SpoolClient example", .serialized, .timeLimit(.minutes(2)))
struct LibraryExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let example = root.appendingPathComponent(
        "Examples/SpoolClientExample/Sources/SpoolClientExample/main.swift")

    @Test("the README shows the example's main.swift exactly, so the snippet is the program that is built and run")
    func readmeSnippetIsTheExample() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: Self.example, encoding: .utf8)
        #expect(readme.contains("```swift\n" + source + "```\n"))
    }

    @Test("the example creates a topic, produces three records and consumes them in a group, twice in a row")
    func exampleRuns() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let binary = URL(fileURLWithPath: TestBroker.binary).deletingLastPathComponent()
            .appendingPathComponent("spool-client-example").path
        let first = try await runProcess(binary, [broker.bootstrap])
        #expect(first.status == 0, "\(first.stderr)")
        for name in ["Ada", "Grace", "Edsger"] { #expect(first.stdout.contains("received hello, \(name) from")) }
        #expect(first.stdout.hasSuffix("done\n"), "\(first.stdout)")
        // The second run finds the topic and reads only its own records: the first committed its positions.
        let second = try await runProcess(binary, [broker.bootstrap])
        #expect(second.stdout.contains("topic greetings exists already"))
        #expect(second.stdout.components(separatedBy: "received ").count == 4, "\(second.stdout)")
        #expect(second.stdout.hasSuffix("done\n"), "\(second.stdout)")
    }
}
