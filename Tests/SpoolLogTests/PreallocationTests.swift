import Logging
import SpoolRecords
import Testing

@testable import SpoolLog

@Suite struct PreallocationTests {
    @Test("a partition reserves 64 KiB first, doubles while it uses its reservations up, and the budget caps all")
    func growthAndBudget() throws {
        let directory = TemporaryDirectory()
        let budget = DiskReservations(maxBytes: 512 << 10)
        func create(_ name: String) throws -> PartitionLog {
            try PartitionLog.create(
                topicPartition: TopicPartition(topic: name, partition: 0), directory: directory.path + "/\(name)-0",
                config: LogConfig(), logger: Logger(label: "test"), reservations: budget)
        }
        let streaming = try create("streaming")
        let batch = TestBatch.make(bodyBytes: 4096 - RecordBatch.headerSize)
        var grants: [Int] = []
        for _ in 0..<120 {
            _ = try streaming.append(batch)
            if grants.last != budget.grantedBytes { grants.append(budget.grantedBytes) }
        }
        #expect(grants == [64 << 10, 128 << 10, 256 << 10, 512 << 10])
        let active = try #require(streaming.segments.last)
        #expect(allocatedBytes(active.logPath) >= (try active.size()) + (256 << 10))

        // The budget is spent: another partition reserves nothing, and its append goes on regardless.
        let quiet = try create("quiet")
        _ = try quiet.append(TestBatch.make())
        #expect(budget.grantedBytes == 512 << 10)
        let quietSegment = try #require(quiet.segments.last)
        #expect(allocatedBytes(quietSegment.logPath) <= 4096)
        // Once the streaming partition uses up its grant, a 1 MiB one is refused and the budget is free again.
        for _ in 0..<130 { _ = try streaming.append(batch) }
        #expect(budget.grantedBytes == 0)
        #expect(allocatedBytes(active.logPath) <= (try active.size()) + 4096)
        _ = try quiet.append(TestBatch.make())
        #expect(budget.grantedBytes == 64 << 10)

        // Closing trims what was reserved beyond the data and returns it to the budget.
        try quiet.close()
        #expect(budget.grantedBytes == 0)
        #expect(allocatedBytes(quietSegment.logPath) <= 4096)
    }
}
