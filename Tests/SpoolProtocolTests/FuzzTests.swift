import Foundation
import NIOCore
import Testing
@testable import SpoolProtocol

@Suite("Mutation fuzzing")
struct FuzzTests {
    /// Proves that 50,000 seeded mutations of the golden frames go through the frame reader, the request
    /// decoder, re-encoding and record iteration without a crash (the full million runs as a benchmark).
    /// SPOOL_FUZZ_INPUTS overrides the count.
    @Test func mutatedGoldenFramesNeverCrash() {
        let seeds = GoldenFrame.all().map(\.bytes)
        #expect(!seeds.isEmpty)
        guard !seeds.isEmpty else { return }
        let count = Environment.fuzzInputs ?? 50_000
        var fuzzer = ProtocolFuzzer(seeds: seeds, seed: 0x5EED)
        let summary = fuzzer.run(count: count)
        print("fuzz: \(summary)")
        #expect(summary.inputs == count)
        // The mutations must reach every stage, or the fuzzer proves little.
        #expect(summary.framesRefused > 0)
        #expect(summary.requestsRefused > 0)
        #expect(summary.requestsDecoded > 0)
        #expect(summary.batchesWalked > 0)
    }
}

enum Environment {
    static var fuzzInputs: Int? {
        guard let text = ProcessInfo.processInfo.environment["SPOOL_FUZZ_INPUTS"] else { return nil }
        return Int(text)
    }
}
