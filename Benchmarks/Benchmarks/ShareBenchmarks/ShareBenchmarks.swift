// Share-group benchmarks (issue 14): the per-share-partition engine that ShareFetch and ShareAcknowledge call,
// and the durable store of its state on the acknowledgement path.
//
// "acquire + accept": one iteration acquires and accepts 1,000,000 records in cycles of 500 (one ShareFetch
// with MaxRecords 500, then one ShareAcknowledge accepting them), including a snapshot per cycle as the
// acknowledgement path takes one to save. Records/s = 1,000,000 / the iteration's wall clock.
//
// "save": 8 savers each saving one share-partition's snapshot concurrently and waiting until it is durable
// (SQLite WAL, synchronous FULL, group commit): in lockstep (1 iteration = 8 saves, saves/s = 8 x
// iterations/s), and back to back (1 iteration = 25 saves per saver, saves/s = 200 x iterations/s).
import Benchmark
import Foundation
import SpoolBroker
import SpoolMetadata

let recordsPerIteration: Int64 = 1_000_000
let recordsPerCycle: Int64 = 500
let savers = 8

/// Acquires and accepts `recordsPerIteration` records from `state`'s start offset, 500 at a time.
func acquireAndAccept(_ state: inout SharePartitionState, snapshot: Bool) {
    let end = state.startOffset + recordsPerIteration
    var offset = state.startOffset
    while offset < end {
        let batch = offset...(offset + recordsPerCycle - 1)
        let acquired = state.acquire(
            memberId: "member-1", candidates: [batch], maximumRecords: Int(recordsPerCycle), lockDurationMs: 30_000,
            nowMs: offset)
        let acknowledgements = acquired.map {
            AcknowledgementBatch(firstOffset: $0.firstOffset, lastOffset: $0.lastOffset, type: .accept)
        }
        let errors = state.acknowledge(memberId: "member-1", batches: acknowledgements, nowMs: offset)
        precondition(errors.allSatisfy { $0 == .none }, "acknowledgement refused")
        if snapshot { blackHole(state.snapshot()) }
        offset += recordsPerCycle
    }
    precondition(state.startOffset == end, "records left in flight")
}

/// A store with one topic of `savers` partitions; removed when released.
final class SaveFixture: Sendable {
    let directory = NSTemporaryDirectory() + "spool-bench-share-\(UUID().uuidString)"
    let store: SQLiteMetadataStore

    init() async throws {
        store = try SQLiteMetadataStore(dataDirectory: directory)
        _ = try await store.createTopic(name: "bench", partitionCount: Int32(savers))
    }

    deinit {
        try? store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A share-partition with a few in-flight ranges, as after a partial acknowledgement.
    static func snapshot(partition: Int, generation: Int64) -> SharePartitionSnapshot {
        let start = generation * 500
        return SharePartitionSnapshot(
            groupId: "bench-group", topic: "bench", partition: Int32(partition), stateEpoch: 1, startOffset: start,
            ranges: [
                .init(firstOffset: start, lastOffset: start + 99, state: .available, deliveryCount: 1),
                .init(firstOffset: start + 100, lastOffset: start + 299, state: .acknowledged, deliveryCount: 1),
                .init(firstOffset: start + 300, lastOffset: start + 301, state: .archived, deliveryCount: 5),
                .init(firstOffset: start + 302, lastOffset: start + 499, state: .available, deliveryCount: 1),
            ])
    }

    /// Every saver saves `saves` snapshots one after another, concurrently with the others; returns when all
    /// are durable. With `saves` 1 the savers move in lockstep; with more, each saves again as soon as its last
    /// save returned, as connections acknowledging independently do.
    func round(_ generation: Int64, saves: Int = 1) async throws {
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for partition in 0..<savers {
                tasks.addTask {
                    for save in 0..<Int64(saves) {
                        let snapshot = Self.snapshot(partition: partition, generation: generation * 1000 + save)
                        let outcome = try await store.saveShareStates([snapshot])
                        precondition(outcome == [.saved], "save refused")
                    }
                }
            }
            try await tasks.waitForAll()
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    for snapshot in [false, true] {
        let name = snapshot ? "acquire + accept + snapshot" : "acquire + accept"
        Benchmark(
            "SharePartitionState: \(name) of 1,000,000 records, 500 a cycle (1 iteration = 1M records)",
            configuration: .init(
                metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .milliseconds, warmupIterations: 1,
                maxDuration: .seconds(10), maxIterations: 20,
                thresholds: [.wallClock: .init(relative: [.p50: 25])])
        ) { benchmark in
            var state = SharePartitionState(
                groupId: "bench-group", topic: "bench", partition: 0, startOffset: 0, policy: SharePartitionPolicy())
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                acquireAndAccept(&state, snapshot: snapshot)
            }
            benchmark.stopMeasurement()
        }
    }

    // As GroupBenchmarks: the warm-up fills the WAL past its first checkpoint; fsync times swing on a VM.
    Benchmark(
        "Share state save: 8 savers concurrently (1 iteration = 8 durable saves)",
        configuration: .init(
            metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 1500,
            maxDuration: .seconds(10), maxIterations: 20_000,
            thresholds: [.wallClock: .init(relative: [.p50: 50]), .throughput: .init(relative: [.p50: 50])])
    ) { benchmark in
        let fixture = try await SaveFixture()
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            try await fixture.round(Int64(iteration))
        }
        benchmark.stopMeasurement()
    }

    Benchmark(
        "Share state save: 8 savers, 25 saves each back to back (1 iteration = 200 durable saves)",
        configuration: .init(
            metrics: [.wallClock, .throughput], timeUnits: .milliseconds, warmupIterations: 10,
            maxDuration: .seconds(10), maxIterations: 1000,
            thresholds: [.wallClock: .init(relative: [.p50: 50]), .throughput: .init(relative: [.p50: 50])])
    ) { benchmark in
        let fixture = try await SaveFixture()
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            try await fixture.round(Int64(iteration), saves: 25)
        }
        benchmark.stopMeasurement()
    }
}
