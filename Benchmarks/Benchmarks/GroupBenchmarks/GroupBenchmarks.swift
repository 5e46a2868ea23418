// Consumer-group benchmarks (issue 5): offset commits from 20 concurrent members into the SQLite metadata
// store (WAL, synchronous FULL), where concurrent commits share one transaction and one fsync.
//
// One iteration is one round in which each of the 20 members commits one offset (its own partition) and
// waits until it is durable; the round ends when the slowest commit returns. So commits/s is 20 x the
// iterations/s package-benchmark reports, and a round's wall clock is the latency of its slowest commit:
// the p99 of rounds bounds the p99 commit latency from above.
import Benchmark
import Foundation
import SpoolMetadata

let members = 20

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "spool-bench-groups-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A store with one 20-partition topic; removed when released.
final class CommitFixture: Sendable {
    let directory = temporaryDirectory()
    let store: SQLiteMetadataStore

    init() async throws {
        store = try SQLiteMetadataStore(dataDirectory: directory)
        _ = try await store.createTopic(name: "bench", partitionCount: Int32(members))
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every member commits one offset concurrently; returns when all are durable.
    func round(_ offset: Int64) async throws {
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for member in 0..<members {
                tasks.addTask {
                    let outcome = try await store.commitOffsets(groupId: "bench-group", offsets: [
                        CommittedOffset(topic: "bench", partition: Int32(member), offset: offset,
                                        metadata: "", commitTimestampMs: offset)
                    ])
                    precondition(outcome == [.committed], "commit refused")
                }
            }
            try await tasks.waitForAll()
        }
    }

    /// One member commits alone (no batching partner): the cost of one transaction with one fsync.
    func single(_ offset: Int64) async throws {
        _ = try await store.commitOffsets(groupId: "bench-group", offsets: [
            CommittedOffset(topic: "bench", partition: 0, offset: offset, commitTimestampMs: offset)
        ])
    }
}

let benchmarks: @Sendable () -> Void = {
    // The warm-up fills SQLite's WAL past its first checkpoint, so that what is measured is the steady
    // state: WAL frames overwritten in place (an fdatasync without a file-size change) and a checkpoint
    // every 1000 pages, as in a broker that has been running a while.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1500,
        maxDuration: .seconds(10), maxIterations: 20_000,
        // Each commit waits for an fdatasync, whose time swings with the VM's disk: 50 % on the median.
        thresholds: [.wallClock: .init(relative: [.p50: 50]), .throughput: .init(relative: [.p50: 50])])

    Benchmark("OffsetCommit: 20 members commit concurrently (1 iteration = 20 durable commits)") { benchmark in
        let fixture = try await CommitFixture()
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            try await fixture.round(Int64(iteration))
        }
        benchmark.stopMeasurement()
    }

    Benchmark("OffsetCommit: 1 member, one commit at a time (1 iteration = 1 durable commit)") { benchmark in
        let fixture = try await CommitFixture()
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            try await fixture.single(Int64(iteration))
        }
        benchmark.stopMeasurement()
    }
}
