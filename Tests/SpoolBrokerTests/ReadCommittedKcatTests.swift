import Foundation
import Logging
import NIOCore
import SpoolLog
import SpoolRecords
import Testing

/// A real client (kcat, librdkafka 2.0.2) reading transactional data from a real `spool serve`: the transactions
/// are written into the partition's log while the broker is stopped (the coordinator is not part of this change).
@Suite(.serialized) struct ReadCommittedKcatTests {
    let kcat = "/usr/bin/kcat"

    static func batch(_ producer: Int64, _ values: [String], sequence: Int32 = 0, transactional: Bool = true)
        throws -> RecordBatch
    {
        var builder = RecordBatchBuilder(
            producerId: producer, producerEpoch: producer >= 0 ? 0 : -1, baseSequence: producer >= 0 ? sequence : -1,
            isTransactional: transactional)
        for value in values {
            builder.append(key: nil, value: ByteBuffer(string: value), timestamp: 1_764_000_000_000)
        }
        return try RecordBatch(buffer: builder.build())
    }

    @Test("kcat read_committed skips aborted transactions and stops at an open one; read_uncommitted sees all")
    func kcatReadCommitted() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: kcat), "kcat is missing: make test installs it")
        let dataDirectory = temporaryDataDirectory()
        do {
            let broker = try await RunningBroker(dataDirectory: dataDirectory)
            let produced = try await run(
                kcat, ["-b", broker.bootstrap, "-P", "-t", "rc", "-p", "0"], stdin: "first\n")
            #expect(produced.status == 0, "\(produced.stderr)")
            #expect(try await broker.stop() == 0)
        }
        do {
            let (log, _) = try PartitionLog.load(
                topicPartition: TopicPartition(topic: "rc", partition: 0), directory: dataDirectory + "/rc-0",
                config: LogConfig(), cleanShutdown: true, recoveryPoint: nil, logger: Logger(label: "test"))
            _ = try log.append(Self.batch(5, ["aborted-1", "aborted-2"]))
            _ = try log.append(Self.batch(-1, ["plain"], transactional: false))
            _ = try log.append(Self.batch(6, ["committed-1", "committed-2"]))
            _ = try log.append(Self.batch(5, ["aborted-3"], sequence: 2))
            _ = try log.appendMarker(producerId: 5, producerEpoch: 0, coordinatorEpoch: 0, commit: false)
            _ = try log.appendMarker(producerId: 6, producerEpoch: 0, coordinatorEpoch: 0, commit: true)
            _ = try log.append(Self.batch(-1, ["plain-2"], transactional: false))
            _ = try log.append(Self.batch(7, ["open-1"]))
            _ = try log.append(Self.batch(-1, ["plain-3"], transactional: false))
            try log.close()
        }
        let broker = try await RunningBroker(dataDirectory: dataDirectory)
        func consume(_ isolation: String) async throws -> [String] {
            let read = try await run(kcat, [
                "-b", broker.bootstrap, "-C", "-t", "rc", "-p", "0", "-o", "beginning", "-e", "-q",
                "-X", "isolation.level=\(isolation)", "-f", "%s\n",
            ], timeout: .seconds(30))
            #expect(read.status == 0, "\(read.stderr)")
            return read.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try await consume("read_committed") == ["first", "plain", "committed-1", "committed-2", "plain-2"])
        #expect(try await consume("read_uncommitted") == [
            "first", "aborted-1", "aborted-2", "plain", "committed-1", "committed-2", "aborted-3", "plain-2", "open-1",
            "plain-3",
        ])
        let end = try await run(
            kcat, ["-b", broker.bootstrap, "-Q", "-t", "rc:0:-1", "-X", "isolation.level=read_committed"])
        #expect(end.stdout.contains("offset 10"), "\(end.stdout) \(end.stderr)")  // the open transaction's first offset
        #expect(try await broker.stop() == 0)
    }
}
