import SpoolRecords
import Testing

@testable import SpoolLog

@Suite struct ProducerStateTests {
    static func batch(_ sequence: Int32, records: Int32 = 2, epoch: Int16 = 0, producer: Int64 = 1000,
                      bodyBytes: Int = 100) -> RecordBatch
    {
        TestBatch.make(
            records: records, bodyBytes: bodyBytes, producerId: producer, producerEpoch: epoch, baseSequence: sequence)
    }

    static func producerRefusal(_ body: () throws -> Void) -> LogError.ProducerRefusal? {
        do {
            try body()
            return nil
        } catch let error as LogError {
            return error.producerRefusal
        } catch {
            return nil
        }
    }

    @Test("a retried idempotent batch gets its original offsets and is not written twice; gaps and old epochs are refused")
    func deduplication() throws {
        let directory = TemporaryDirectory()
        let log = try makeLog(directory)
        let first = try log.append(Self.batch(0))
        let second = try log.append(Self.batch(2))
        _ = try log.append(TestBatch.make(records: 1))  // a plain producer in between
        let retry = try log.append(Self.batch(0))
        #expect(retry.isDuplicate)
        #expect(retry.baseOffset == first.baseOffset && retry.lastOffset == first.lastOffset)
        #expect(try log.append(Self.batch(2)).baseOffset == second.baseOffset)
        #expect(log.logEndOffset == 5)
        // A gap: sequence 6 where 4 is expected.
        #expect(Self.producerRefusal { _ = try log.append(Self.batch(6)) } == .outOfOrderSequence)
        // The next in order is accepted.
        #expect(try log.append(Self.batch(4)).baseOffset == 5)
        // A new epoch must start at 0; then the old epoch is fenced.
        #expect(Self.producerRefusal { _ = try log.append(Self.batch(3, epoch: 1)) } == .outOfOrderSequence)
        #expect(try log.append(Self.batch(0, epoch: 1)).isDuplicate == false)
        #expect(Self.producerRefusal { _ = try log.append(Self.batch(6, epoch: 0)) } == .staleEpoch)
        // Only the last five batches are remembered: six new ones push sequence 0 of epoch 1 out.
        for index in 1...6 { _ = try log.append(Self.batch(Int32(index) * 2, epoch: 1)) }
        #expect(Self.producerRefusal { _ = try log.append(Self.batch(0, epoch: 1)) } == .outOfOrderSequence)
        // A batch whose producer id is set must carry a sequence.
        #expect(throws: LogError.self) { _ = try log.append(Self.batch(-1)) }
    }

    @Test("producer state survives a clean restart and a crash: retries after either are still recognised")
    func survivesRestarts() throws {
        var config = LogConfig()
        config.segmentBytes = 2048
        let directory = TemporaryDirectory()
        var originals: [AppendInfo] = []
        do {
            let log = try makeLog(directory, config: config)
            for index in 0..<12 { originals.append(try log.append(Self.batch(Int32(index) * 2, bodyBytes: 600))) }
            #expect(log.segments.count > 2)  // rolls wrote snapshots along the way
            try log.close()
        }
        let (clean, _) = try reopenLog(directory, config: config, clean: true)
        let retried = try clean.append(Self.batch(22))
        #expect(retried.isDuplicate && retried.baseOffset == originals[11].baseOffset)
        let next = try clean.append(Self.batch(24))
        #expect(!next.isDuplicate)
        // Crash: no close, so the state must come from the last roll's snapshot plus a scan after it.
        let (crashed, _) = try reopenLog(directory, config: config, clean: false)
        let afterCrash = try crashed.append(Self.batch(24))
        #expect(afterCrash.isDuplicate && afterCrash.baseOffset == next.baseOffset)
        #expect(Self.producerRefusal { _ = try crashed.append(Self.batch(30)) } == .outOfOrderSequence)
    }
}
