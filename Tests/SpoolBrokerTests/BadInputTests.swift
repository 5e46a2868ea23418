import Foundation
import SpoolTestSupport
import NIOCore
import SpoolProtocol
import SpoolRecords
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Bad bytes from one client, against the real broker process over TCP on 127.0.0.1: each gets its Kafka error
/// or a closed connection with one log line, the broker keeps serving other clients, and the data already
/// written stays intact with no corrupt batch stored.
@Suite(.serialized) struct BadInputTests {
    /// The frame-level attacks that end in a closed connection.
    enum ClosingAttack: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case randomBytes, truncatedFrame, twoGiBFrame, negativeSize, unknownApiKey, produceVersion99

        var testDescription: String { rawValue }

        /// Whether the client half-closes after the bytes: a frame cut short is only known to be at EOF, and random
        /// bytes may announce a frame short enough to wait for. The others must be refused as they stand.
        var endsWithEOF: Bool { self == .randomBytes || self == .truncatedFrame }

        /// The bytes sent.
        var bytes: [UInt8] {
            switch self {
            case .randomBytes:
                var random = SplitMix64(seed: 0x5EED_BAD1)
                return (0..<65_536).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case .truncatedFrame:
                // A frame announcing 100 bytes of which only the header of an ApiVersions v0 request arrives.
                return bigEndian(Int32(100)) + bigEndian(Int16(18)) + bigEndian(Int16(0)) + bigEndian(Int32(7))
                    + bigEndian(Int16(-1))
            case .twoGiBFrame:
                // Int32.max is the largest size a frame can claim: 2 GiB less one byte.
                return bigEndian(Int32.max) + [UInt8](repeating: 0x41, count: 1024)
            case .negativeSize:
                return bigEndian(Int32(-16)) + [UInt8](repeating: 0, count: 16)
            case .unknownApiKey:
                return frame(apiKey: 9_999, version: 0, correlationId: 8, body: [0, 0, 0, 0])
            case .produceVersion99:
                // A flexible (v2) header, then what could be a Produce body.
                return frame(apiKey: 0, version: 99, correlationId: 9, body: [0, 0, 1, 0, 0, 0x75, 0x30, 1, 0])
            }
        }
    }

    @Test("a frame-level attack closes the connection with one log line; the broker serves on, data intact",
          arguments: ClosingAttack.allCases)
    func closesConnection(attack: ClosingAttack) async throws {
        let broker = try await SeededBroker.start()
        let connection = try BlockingKafkaConnection(port: broker.port)
        let logMark = broker.logMark
        connection.send(attack.bytes)
        if attack.endsWithEOF { connection.shutdownWrite() }
        #expect(try connection.readFrame() == .closed, "\(attack): the broker must close the connection")
        #expect(try await broker.waitForWarnings(for: connection, since: logMark) == 1, "\(broker.log(since: logMark))")
        try await broker.expectServingWithDataIntact()
        #expect(broker.warnings(for: connection, since: logMark) == 1, "\(broker.log(since: logMark))")
        try await broker.stop()
    }

    @Test("ApiVersions v9 is answered with UNSUPPORTED_VERSION (35) in a v0 body and the connection stays open")
    func apiVersionsUnsupportedVersion() async throws {
        let broker = try await SeededBroker.start()
        let connection = try BlockingKafkaConnection(port: broker.port)
        let logMark = broker.logMark
        // v9 has no schema: the body is a v3-shaped one, which the broker must not even read.
        connection.send(frame(apiKey: 18, version: 9, correlationId: 35, body: [2, 0x61, 2, 0x31, 0]))
        guard case .frame(let reply) = try connection.readFrame() else {
            Issue.record("no answer to ApiVersions v9")
            return
        }
        let (header, body) = try KafkaCodec.decodeResponse(reply, as: ApiVersionsResponse.self, version: 0)
        #expect(header.correlationId == 35)
        #expect(body.errorCode == 35)
        #expect(body.apiKeys.contains { $0.apiKey == 18 && $0.minVersion == 0 && $0.maxVersion >= 3 })
        // The client retries at a version both sides know, on the same connection.
        let retry = try connection.roundTrip(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self)
        #expect(retry.errorCode == 0)
        // The fallback is Kafka's normal handshake with newer clients, so it is not worth a warning.
        #expect(broker.warnings(for: connection, since: logMark) == 0, "\(broker.log(since: logMark))")
        try await broker.expectServingWithDataIntact()
        try await broker.stop()
    }

    @Test("a Produce whose CRC is wrong gets CORRUPT_MESSAGE (2) and appends nothing")
    func produceWithWrongCRC() async throws {
        let broker = try await SeededBroker.start()
        var batch = SeededBroker.batch(values: ["good", "bytes", "until", "now"])
        // Flip a bit in the last record's value: the stored CRC no longer matches.
        let last = batch.writerIndex - 2
        batch.setInteger(batch.getInteger(at: last, as: UInt8.self).map { $0 ^ 0x10 } ?? 0, at: last)
        try await expectRefused(batch, code: 2, broker: broker)
    }

    @Test("a Produce of a good batch then one with a wrong CRC gets CORRUPT_MESSAGE (2) and appends neither")
    func produceGoodThenCorrupt() async throws {
        let broker = try await SeededBroker.start()
        var records = SeededBroker.batch(values: ["fine"])
        var corrupt = SeededBroker.batch(values: ["not", "fine"])
        corrupt.setInteger(UInt32(0xDEAD_BEEF), at: 17)  // the CRC field
        records.writeBuffer(&corrupt)
        try await expectRefused(records, code: 2, broker: broker)
    }

    @Test("a Produce carrying a legacy magic 1 message set gets UNSUPPORTED_FOR_MESSAGE_FORMAT (43)")
    func produceLegacyMagic() async throws {
        let broker = try await SeededBroker.start()
        try await expectRefused(legacyMessageSet(value: "from 2016"), code: 43, broker: broker, produceVersion: 2)
    }

    private func expectRefused(_ records: ByteBuffer, code: Int16, broker: SeededBroker,
                               produceVersion: Int16 = 9) async throws
    {
        let connection = try BlockingKafkaConnection(port: broker.port)
        let logMark = broker.logMark
        let response = try connection.roundTrip(
            SeededBroker.produce(records, acks: -1), version: produceVersion, as: ProduceResponse.self)
        let partition = try #require(response.responses.first?.partitionResponses.first)
        #expect(partition.errorCode == code)
        #expect(partition.baseOffset == -1)
        #expect(try await broker.waitForWarnings(for: connection, since: logMark) == 1, "\(broker.log(since: logMark))")
        // The connection stays usable after a per-partition error.
        #expect(try connection.roundTrip(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self).errorCode == 0)
        try await broker.expectServingWithDataIntact()
        try await broker.stop()
    }

    @Test("300 seeded mutations of a valid Produce frame are each answered or closed; every stored batch is valid")
    func mutatedProduceFrames() async throws {
        // Refusal lines are rate-limited (log.refusals.per.second): lifted here, so that every one of the 300 closes
        // must still have its own line.
        let broker = try await SeededBroker.start(
            extraArguments: ["--set", "fetch.max.wait.ms=200", "--set", "log.refusals.per.second=1000000"])
        // BAD_INPUT_SEED and BAD_INPUT_ROUNDS replay a failure or run longer; the defaults are what CI runs.
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["BAD_INPUT_SEED"].flatMap { UInt64($0) } ?? 0xF00D_CAFE
        let rounds = environment["BAD_INPUT_ROUNDS"].flatMap { Int($0) } ?? 300
        var random = SplitMix64(seed: seed)
        let originals = try [Int16(3), 9].map { version in
            var buffer = ByteBuffer()
            let request = SeededBroker.produce(SeededBroker.batch(values: ["m1", "m2", "m3"]), acks: 1)
            try KafkaCodec.encodeRequest(request, version: version, correlationId: 77, clientId: "fuzz", into: &buffer)
            return Array(buffer.readableBytesView.dropFirst(4))
        }
        var connection = try BlockingKafkaConnection(port: broker.port)
        var outcomes: [String: Int] = [:]
        for round in 0..<rounds {
            let body = mutate(originals[round % 2], random: &random)
            let probeId = Int32(-1_000 - round)
            var probe = ByteBuffer()
            try KafkaCodec.encodeRequest(ApiVersionsRequest(), version: 0, correlationId: probeId, clientId: nil,
                                         into: &probe)
            // The mutated frame, then an ApiVersions probe: its answer proves the frame before it was dealt with
            // (acks=0 frames get no answer of their own).
            let logMark = broker.logMark
            connection.send(bigEndian(Int32(body.count)) + body + Array(probe.readableBytesView))
            let outcome = try readUntilProbe(connection, probeId: probeId, round: round)
            outcomes[outcome, default: 0] += 1
            if outcome == "answered" {
                // A refused batch has its line, written before the answer; an accepted one has none.
                #expect(broker.warnings(for: connection, since: logMark) <= 1,
                        "round \(round): \(broker.log(since: logMark))")
            } else {
                #expect(try await broker.waitForWarnings(for: connection, since: logMark) == 1,
                        "round \(round): \(broker.log(since: logMark))")
                connection = try BlockingKafkaConnection(port: broker.port)
            }
            #expect(broker.isRunning, "round \(round) crashed the broker: \(broker.log(since: 0))")
            if !broker.isRunning { return }
        }
        let stored = try await broker.expectServingWithDataIntact(othersMayHaveBeenAppended: true)
        print("\(rounds) mutated Produce frames (seed \(seed)): \(outcomes.sorted { $0.key < $1.key }); "
              + "\(stored) batches stored")
        try await broker.stop()
    }

    /// Reads answers until the probe's; returns "answered" or "closed". At most one answer may come first.
    private func readUntilProbe(_ connection: BlockingKafkaConnection, probeId: Int32, round: Int) throws -> String {
        for _ in 0..<3 {
            switch try connection.readFrame() {
            case .closed:
                return "closed"
            case .timedOut:
                Issue.record("round \(round): neither an answer nor a close within \(connection.readTimeout)")
                return "timed out"
            case .frame(let reply):
                guard reply.getInteger(at: reply.readerIndex, as: Int32.self) == probeId else { continue }
                let probe = try KafkaCodec.decodeResponse(reply, as: ApiVersionsResponse.self, version: 0)
                #expect(probe.body.errorCode == 0)
                return "answered"
            }
        }
        Issue.record("round \(round): more than one answer before the probe's")
        return "extra answers"
    }

    /// One to three mutations in the style of ProtocolFuzzer: bit flips, truncation, extreme int16/int32 values
    /// (lengths and counts), varint continuation runs, inserted random bytes. The size prefix is then set to
    /// the body's length so that every frame is complete and must be answered or refused.
    private func mutate(_ original: [UInt8], random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0...random.below(3) where !bytes.isEmpty {
            let position = random.below(bytes.count)
            switch random.below(6) {
            case 0:
                bytes[position] ^= UInt8(1) << UInt8(random.below(8))
            case 1:
                bytes.removeSubrange(max(position, 1)...)
            case 2:
                let value = [UInt16(0), 1, 0x7FFF, 0x8000, 0xFFFF][random.below(5)]
                let encoded = bigEndian(value)
                for offset in 0..<2 where position + offset < bytes.count { bytes[position + offset] = encoded[offset] }
            case 3:
                let value = [UInt32(0), 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x0010_0001][random.below(6)]
                let encoded = bigEndian(value)
                for offset in 0..<4 where position + offset < bytes.count { bytes[position + offset] = encoded[offset] }
            case 4:
                let run = position..<min(bytes.count, position + 1 + random.below(10))
                bytes.replaceSubrange(run, with: repeatElement(0xFF, count: run.count))
            default:
                bytes.insert(contentsOf: (0...random.below(8)).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                             at: position)
            }
        }
        return bytes
    }
}

// MARK: - A broker with known data

/// A running broker with one topic holding a few known batches, and the checks that it still serves and that
/// those batches are intact.
final class SeededBroker {
    static let topic = "bad-input"
    let broker: RunningBroker
    /// Every batch acknowledged so far, in offset order, as sent.
    private(set) var acknowledged: [ByteBuffer] = []

    private init(broker: RunningBroker) {
        self.broker = broker
    }

    static func start(extraArguments: [String] = []) async throws -> SeededBroker {
        let seeded = SeededBroker(broker: try await RunningBroker(extraArguments: extraArguments))
        let connection = try BlockingKafkaConnection(port: seeded.port)
        let metadata = try connection.roundTrip(
            MetadataRequest(topics: [.init(name: topic)], allowAutoTopicCreation: true), version: 9,
            as: MetadataResponse.self)
        try #require(metadata.topics.first?.errorCode == 0, "topic creation: \(metadata)")
        for values in [["alpha", "beta"], ["gamma"], ["delta", "epsilon", "zeta"]] {
            try seeded.produceAndExpectAcknowledged(batch(values: values), over: connection)
        }
        return seeded
    }

    var port: Int { broker.port }
    var isRunning: Bool { broker.process.process.isRunning }
    var logMark: Int { broker.process.stderr.utf8.count }

    func log(since mark: Int) -> String { String(broker.process.stderr.utf8.dropFirst(mark)) ?? "" }

    /// Waits (bounded) for a warning about `connection`, which may be written just after the close is seen, and
    /// returns how many there are.
    func waitForWarnings(for connection: BlockingKafkaConnection, since mark: Int) async throws -> Int {
        for _ in 0..<100 {
            let count = warnings(for: connection, since: mark)
            if count > 0 { return count }
            try await Task.sleep(for: .milliseconds(20))
        }
        return 0
    }

    /// Warning lines (`closing connection`, refused batches) about `connection`'s client port since `mark`.
    func warnings(for connection: BlockingKafkaConnection, since mark: Int) -> Int {
        let remote = "127.0.0.1:\(connection.localPort)"
        return log(since: mark).split(separator: "\n").filter { line in
            guard line.contains(" warning "), let range = line.range(of: remote) else { return false }
            return line[range.upperBound...].first?.isNumber != true
        }.count
    }

    /// Checks that a fresh client gets ApiVersions, a Produce and a Fetch answered, and that the partition
    /// holds the acknowledged batches, byte for byte under their CRCs, at consecutive offsets, all valid.
    /// - Parameter othersMayHaveBeenAppended: whether valid batches not in `acknowledged` may sit between them
    ///   (mutated frames that still carry a valid batch).
    /// - Returns: how many batches the partition holds.
    @discardableResult
    func expectServingWithDataIntact(othersMayHaveBeenAppended: Bool = false) async throws -> Int {
        #expect(isRunning, "the broker exited: \(broker.process.stderr)")
        let connection = try BlockingKafkaConnection(port: port)
        let versions = try connection.roundTrip(ApiVersionsRequest(), version: 3, as: ApiVersionsResponse.self)
        #expect(versions.errorCode == 0)
        #expect(versions.apiKeys.contains { $0.apiKey == 0 })
        try produceAndExpectAcknowledged(Self.batch(values: ["after", "the", "storm"]), over: connection)
        let stored = try fetchAll(over: connection)
        var expectedOffset: Int64 = 0
        for batch in stored {
            #expect(batch.baseOffset == expectedOffset, "batches must sit at consecutive offsets")
            expectedOffset = batch.nextOffset
            #expect(throws: Never.self, "stored batch at \(batch.baseOffset) must be valid") { try batch.validate() }
        }
        let storedBodies = stored.map { crcAndBody($0.buffer) }
        let sentBodies = acknowledged.map(crcAndBody)
        // Compared as Bools: a failure would otherwise print every byte of both sides.
        if othersMayHaveBeenAppended {
            let seedsFirst = storedBodies.prefix(3) == sentBodies.prefix(3)
            let ownLast = storedBodies.last == sentBodies.last
            #expect(seedsFirst, "the seed batches must be first")
            #expect(ownLast, "the check's own batch must be last")
        } else {
            let same = storedBodies == sentBodies
            #expect(same, "the log must hold exactly the \(sentBodies.count) acknowledged batches, not other ones")
        }
        return stored.count
    }

    func stop() async throws {
        #expect(try await broker.stop() == 0, "\(broker.process.stderr)")
        try? FileManager.default.removeItem(atPath: broker.dataDirectory)
    }

    private func produceAndExpectAcknowledged(_ batch: ByteBuffer, over connection: BlockingKafkaConnection) throws {
        let response = try connection.roundTrip(Self.produce(batch, acks: -1), version: 9, as: ProduceResponse.self)
        let partition = try #require(response.responses.first?.partitionResponses.first)
        #expect(partition.errorCode == 0, "\(partition)")
        acknowledged.append(batch)
    }

    /// Every batch of the partition, fetched from offset 0 (a bounded number of fetches).
    private func fetchAll(over connection: BlockingKafkaConnection) throws -> [RecordBatch] {
        var batches: [RecordBatch] = []
        var offset: Int64 = 0
        for _ in 0..<1_000 {
            let partitions = [FetchRequest.FetchPartition(fetchOffset: offset, partitionMaxBytes: 1 << 20)]
            let request = FetchRequest(
                maxWaitMs: 0, minBytes: 0, topics: [.init(topic: Self.topic, partitions: partitions)])
            let response = try connection.roundTrip(request, version: 12, as: FetchResponse.self)
            let partition = try #require(response.responses.first?.partitions.first)
            try #require(partition.errorCode == 0, "fetch at \(offset): error \(partition.errorCode)")
            guard let records = partition.records, records.readableBytes > 0 else {
                #expect(offset == partition.highWatermark, "an empty fetch below the high watermark")
                return batches
            }
            let fetched = try RecordBatch.split(records)
            batches += fetched
            offset = fetched.last?.nextOffset ?? offset
            if offset >= partition.highWatermark { return batches }
        }
        Issue.record("the partition did not end within 1,000 fetches")
        return batches
    }

    /// A batch's bytes from the CRC on: what the producer chose, as the broker may rewrite only base offset and
    /// leader epoch.
    private func crcAndBody(_ batch: ByteBuffer) -> [UInt8] {
        Array(batch.readableBytesView.dropFirst(RecordBatch.magicOffset + 1))
    }

    static func batch(values: [String]) -> ByteBuffer {
        var builder = RecordBatchBuilder()
        for value in values {
            builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 1_764_000_000_000)
        }
        return builder.build()
    }

    static func produce(_ records: ByteBuffer, acks: Int16) -> ProduceRequest {
        ProduceRequest(
            acks: acks, timeoutMs: 30_000,
            topicData: [.init(name: topic, partitionData: [.init(index: 0, records: records)])])
    }
}
