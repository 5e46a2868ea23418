import Foundation
import Testing

/// What an operator's `kcat -L -t __consumer_offsets` does to a real `spool serve`: nothing.
@Suite(.serialized) struct InternalTopicKcatTests {
    let kcat = "/usr/bin/kcat"

    @Test("kcat -L -t __consumer_offsets reports an unknown topic and creates none; producing to it fails")
    func metadataCreatesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let broker = try await RunningBroker()
        let listed = try await run(kcat, ["-b", broker.bootstrap, "-L", "-t", "__consumer_offsets"])
        #expect(listed.stdout.contains("Unknown topic or partition"), "\(listed.stdout) \(listed.stderr)")
        let all = try await run(kcat, ["-b", broker.bootstrap, "-L"])
        #expect(all.stdout.contains("0 topics:"), "\(all.stdout)")
        let produced = try await run(
            kcat, ["-b", broker.bootstrap, "-P", "-t", "__consumer_offsets", "-X", "message.timeout.ms=3000"],
            stdin: "x\n", timeout: .seconds(30))
        #expect(produced.status != 0 || produced.stderr.contains("ERROR"), "\(produced)")
        #expect(try await run(kcat, ["-b", broker.bootstrap, "-L"]).stdout.contains("0 topics:"))
        #expect(try await broker.stop() == 0)
    }
}
