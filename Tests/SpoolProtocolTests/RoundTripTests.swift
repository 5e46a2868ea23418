import NIOCore
import Testing
@testable import SpoolProtocol

/// Encodes `value`, decodes it, and checks equality and byte-identical re-encoding.
func checkRoundTrip<M: KafkaMessage>(_ value: M, version: Int16, seed: UInt64) throws {
    var encoded = ByteBuffer()
    try value.encode(into: &encoded, version: version)
    let bytes = encoded
    let decoded = try M(from: &encoded, version: version)
    #expect(encoded.readableBytes == 0, "\(M.messageName) v\(version) seed \(seed): bytes left after decoding")
    #expect(decoded == value, "\(M.messageName) v\(version) seed \(seed): decoded value differs")
    var reencoded = ByteBuffer()
    try decoded.encode(into: &reencoded, version: version)
    #expect(reencoded == bytes, "\(M.messageName) v\(version) seed \(seed): re-encoding differs")
}

func roundTripAllVersions<M: RandomKafkaMessage>(_ type: M.Type, samples: Int) throws -> Int {
    var checked = 0
    for version in M.validVersions {
        for sample in 0..<samples {
            let seed = UInt64(sample) &* 1_000_003 &+ UInt64(version) &* 7919 &+ UInt64(M.messageName.utf8.count)
            var g = TestRandom(seed: seed)
            try checkRoundTrip(M.random(&g, version: version), version: version, seed: seed)
            checked += 1
        }
    }
    return checked
}

@Suite("Generated messages round-trip")
struct RoundTripTests {
    /// Proves that every message in every valid version survives encode → decode → encode unchanged,
    /// with seeded random values (including nulls, edge integers and unknown tagged fields).
    @Test func everyMessageEveryVersion() throws {
        var total = 0
        for type in allMessageTypes {
            total += try roundTripAllVersions(type, samples: 25)
        }
        #expect(allMessageTypes.count == 192)  // 186 from messages/ + APIs 90-92 from messages-4.x
        #expect(total > 10_000)
    }

    /// Proves that every message's all-defaults value encodes and decodes in every version: defaults are
    /// what absent fields take, so they must always be expressible.
    @Test func defaultsRoundTrip() throws {
        var checked = 0
        for type in allMessageTypes {
            for version in type.validVersions {
                try checkRoundTrip(type.defaultValue, version: version, seed: 0)
                checked += 1
            }
        }
        #expect(checked > 600)  // 674 message versions in the Oct 2024 schemas
    }
}
