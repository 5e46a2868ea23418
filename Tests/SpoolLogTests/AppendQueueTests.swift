import NIOConcurrencyHelpers
import SpoolRecords
import Testing

@testable import SpoolLog

/// `LogManager.append(_:in:completion:)`: appends keep their queue's order, and a queue that never empties does
/// not keep a pool thread from other work.
@Suite struct AppendQueueTests {
    @Test("queues kept busy without pause on every pool thread still let another queue's append run",
          .timeLimit(.minutes(1)))
    func busyQueuesYield() async throws {
        let directory = TemporaryDirectory()
        var configuration = LogManagerConfiguration(dataDirectory: directory.path)
        configuration.ioThreads = 2
        let manager = try await LogManager.open(configuration: configuration, logger: testLogger)
        let log = try await manager.getOrCreateLog(TopicPartition(topic: "busy", partition: 0))
        let stop = NIOLockedValueBox(false)
        let busyAppends = NIOLockedValueBox(0)
        // Each busy queue submits its next append from the completion of the last, so it is never empty when a
        // turn ends: as many of them as pool threads.
        @Sendable func keepBusy(_ queue: AppendQueue) {
            let part = LogManager.AppendPart(
                batches: [TestBatch.make(records: 1, bodyBytes: 10)], log: log, whenFlushed: nil)
            manager.append([part], in: queue) { _ in
                busyAppends.withLockedValue { $0 += 1 }
                if !stop.withLockedValue({ $0 }) { keepBusy(queue) }
            }
        }
        for _ in 0..<2 {
            let queue = AppendQueue()
            for _ in 0..<4 { keepBusy(queue) }
        }
        while busyAppends.withLockedValue({ $0 }) < 100 { try await Task.sleep(for: .milliseconds(5)) }
        let other = AppendQueue()
        let part = LogManager.AppendPart(batches: [TestBatch.make(records: 1, bodyBytes: 10)], log: log, whenFlushed: nil)
        let results = await withCheckedContinuation { continuation in
            manager.append([part], in: other) { continuation.resume(returning: $0) }
        }
        stop.withLockedValue { $0 = true }
        #expect(results.count == 1)
        if case .failure(let error) = results.first { Issue.record("the other queue's append failed: \(error)") }
        try await Task.sleep(for: .milliseconds(50))
        try await manager.shutdown()
    }
}
