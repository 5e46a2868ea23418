import NIOCore
import SpoolRecords

/// A seeded mutation fuzzer for the decoders: it corrupts known-good request frames (bit flips,
/// truncations, length fields set to extremes, varint runs, inserted bytes) and pushes each result through
/// the frame reader, the request decoder, re-encoding, and record-batch iteration for produce requests.
///
/// It lives in the library, not a test target, so that the unit tests (a short run) and the benchmark
/// suite (a million inputs) share one harness. Nothing in Spool's serving path uses it.
/// A value type; each instance owns its generator, so runs are reproducible from the seed.
public struct ProtocolFuzzer: Sendable {
    /// What a run did. A crash would end the process, so a returned summary means none happened.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Inputs tried.
        public var inputs = 0
        /// Inputs refused by the frame reader (size out of range) or left incomplete.
        public var framesRefused = 0
        /// Frames whose request failed to decode with a `KafkaProtocolError`.
        public var requestsRefused = 0
        /// Frames that decoded to a request.
        public var requestsDecoded = 0
        /// Record batches walked inside decoded produce requests.
        public var batchesWalked = 0

        public var description: String {
            "\(inputs) inputs: \(framesRefused) frames refused, \(requestsRefused) requests refused, "
                + "\(requestsDecoded) decoded, \(batchesWalked) record batches walked"
        }
    }

    private var state: UInt64
    private let seeds: [ByteBuffer]
    /// The frame-size limit used while fuzzing (small, so oversized sizes are exercised).
    public var maximumFrameSize = 1 << 20

    /// Makes a fuzzer over known-good frame bodies.
    /// - Parameters:
    ///   - seeds: request frame bodies (without size prefixes) to mutate; must not be empty.
    ///   - seed: the generator's seed.
    public init(seeds: [ByteBuffer], seed: UInt64) {
        precondition(!seeds.isEmpty, "the fuzzer needs at least one seed frame")
        self.seeds = seeds
        self.state = seed
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// Runs `count` mutated inputs.
    /// - Parameter count: how many inputs to try.
    /// - Returns: what happened to them.
    public mutating func run(count: Int) -> Summary {
        var summary = Summary()
        for _ in 0..<count {
            var bytes = mutatedFrame()
            summary.inputs += 1
            exercise(&bytes, summary: &summary)
        }
        return summary
    }

    private mutating func mutatedFrame() -> [UInt8] {
        let body = seeds[below(seeds.count)]
        var bytes = [UInt8](repeating: 0, count: 4) + Array(body.readableBytesView)
        let size = UInt32(body.readableBytes)
        for index in 0..<4 { bytes[index] = UInt8(truncatingIfNeeded: size >> (24 - 8 * index)) }
        for _ in 0...below(3) { mutate(&bytes) }
        return bytes
    }

    private static let extremes16: [UInt16] = [0, 1, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE]
    private static let extremes32: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x0010_0001]

    private mutating func mutate(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let position = below(bytes.count)
        switch below(7) {
        case 0:  // flip one bit
            bytes[position] ^= UInt8(1) << UInt8(below(8))
        case 1:  // truncate
            bytes.removeSubrange(position...)
        case 2:  // an int16 length at an extreme
            let value = Self.extremes16[below(Self.extremes16.count)]
            for (offset, byte) in [UInt8(value >> 8), UInt8(value & 0xFF)].enumerated()
            where position + offset < bytes.count {
                bytes[position + offset] = byte
            }
        case 3:  // an int32 length at an extreme
            let value = Self.extremes32[below(Self.extremes32.count)]
            for offset in 0..<4 where position + offset < bytes.count {
                bytes[position + offset] = UInt8(truncatingIfNeeded: value >> (24 - 8 * offset))
            }
        case 4:  // a run of varint continuation bytes
            for offset in 0..<(1 + below(10)) where position + offset < bytes.count { bytes[position + offset] = 0xFF }
        case 5:  // the frame size itself at an extreme
            let value = Self.extremes32[below(Self.extremes32.count)]
            for offset in 0..<min(4, bytes.count) {
                bytes[offset] = UInt8(truncatingIfNeeded: value >> (24 - 8 * offset))
            }
        default:  // random bytes inserted
            let inserted = (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: next()) }
            bytes.insert(contentsOf: inserted, at: position)
        }
    }

    private func exercise(_ bytes: inout [UInt8], summary: inout Summary) {
        var buffer = ByteBuffer(bytes: bytes)
        let frame: ByteBuffer
        do {
            guard let complete = try KafkaFraming.readFrame(from: &buffer, maximumFrameSize: maximumFrameSize) else {
                summary.framesRefused += 1
                return
            }
            frame = complete
        } catch {
            summary.framesRefused += 1
            return
        }
        let request: KafkaRequest
        do {
            request = try KafkaCodec.decodeRequest(frame)
        } catch {
            summary.requestsRefused += 1
            return
        }
        summary.requestsDecoded += 1
        var out = ByteBuffer()
        _ = try? request.body.encode(into: &out, version: request.version)
        if let produce = request.body as? ProduceRequest {
            summary.batchesWalked += Self.walkBatches(produce)
        }
    }

    private static func walkBatches(_ produce: ProduceRequest) -> Int {
        var walked = 0
        for topic in produce.topicData {
            for partition in topic.partitionData {
                guard let records = partition.records, let batches = try? RecordBatch.split(records) else { continue }
                for batch in batches {
                    walked += 1
                    _ = try? batch.validate()
                    _ = try? ProducedBatchValidator.validate(batch, maxBytes: nil, maxDecompressedBytes: 1 << 20)
                    if var reader = try? batch.decompressedRecordReader(maximumSize: 1 << 20) {
                        while (try? reader.next()) != nil {}
                    }
                }
            }
        }
        return walked
    }
}
