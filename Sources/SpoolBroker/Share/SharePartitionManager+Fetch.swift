import NIOCore
import SpoolLog
import SpoolProtocol

/// Whole batches read for a share fetch, in memory, with each batch's offsets and place in the bytes.
struct ShareBatches: Sendable {
    struct Batch: Sendable {
        let offsets: ClosedRange<Int64>
        let bytes: Range<Int>
    }

    var bytes = ByteBuffer()
    var batches: [Batch] = []
    var error: BrokerError?
    var logStartOffset: Int64 = 0

    /// The batches holding any of the acquired records, copied out whole, in order; nil when there are none.
    func holding(_ acquired: [AcquiredRecords]) -> ByteBuffer? {
        var out: ByteBuffer?
        var next = acquired.startIndex
        for batch in batches {
            while next < acquired.endIndex && acquired[next].lastOffset < batch.offsets.lowerBound { next += 1 }
            guard next < acquired.endIndex else { break }
            guard acquired[next].firstOffset <= batch.offsets.upperBound else { continue }
            var slice = bytes.getSlice(at: batch.bytes.lowerBound, length: batch.bytes.count) ?? ByteBuffer()
            if out == nil { out = ByteBuffer() }
            out?.writeBuffer(&slice)
        }
        return out
    }
}

extension PartitionManager {
    /// Reads whole batches from each partition at its offset (nil: skip it) into memory on the I/O pool in one
    /// trip, at most `maxBytes` over all (the first partition with data returns at least one batch), and finds
    /// each batch's offsets from its header.
    ///
    /// A partition is read in chunks (`shareReadChunkBytes`, doubling) only until its batches span `maxRecords`
    /// offsets: share fetches are copied into memory, and clients ask for 50 MiB (`fetch.max.bytes`) while
    /// taking 500 records (`max.poll.records`), so reading up to `maxBytes` at once copied 50 MiB per fetch.
    func readShareBatches(_ wanted: [(TopicPartition, Int64?)], maxBytes: Int, maxRecords: Int) async throws
        -> [ShareBatches]
    {
        let logs = wanted.map { (partition, _) in log(partition) }
        return try await logManager.onIOThread {
            var total = 0
            return zip(wanted, logs).map { (planned, log) -> ShareBatches in
                var read = ShareBatches()
                guard let offset = planned.1 else { return read }
                guard let log else {
                    read.error = BrokerError(code: .unknownTopicOrPartition, message: "\(planned.0) does not exist")
                    return read
                }
                var from = offset
                var chunk = Self.shareReadChunkBytes
                do {
                    // The first partition with data gives at least one batch even past the byte budget.
                    while total < maxBytes || total == 0, from - offset < Int64(maxRecords) {
                        let limit = min(maxBytes - total, chunk)
                        let info = try log.read(from: from, maxBytes: total == 0 ? max(limit, 1) : limit)
                        read.logStartOffset = info.logStartOffset
                        guard let slice = info.slice, slice.length > 0, total == 0 || slice.length <= limit else {
                            break
                        }
                        var bytes = try slice.file.read(count: slice.length, at: slice.position)
                        let start = read.bytes.writerIndex
                        read.bytes.writeBuffer(&bytes)
                        total += slice.length
                        let batches = Self.batchOffsets(read.bytes, from: start)
                        guard let last = batches.last else { break }
                        read.batches += batches
                        from = last.offsets.upperBound + 1
                        chunk *= 2
                    }
                } catch {
                    // A later chunk's failure only ends the read; the first one's is the partition's error.
                    if read.batches.isEmpty {
                        read.error = BrokerError(wrapping: error)
                        read.logStartOffset = log.offsets.logStartOffset
                    }
                }
                return read
            }
        }
    }

    /// The first chunk a share fetch reads of a partition: 2,000 records of 100 bytes.
    static let shareReadChunkBytes = 256 * 1024

    /// Each whole batch's offsets (base offset, and base + last offset delta) and byte range in `bytes`.
    static func batchOffsets(_ bytes: ByteBuffer, from start: Int? = nil) -> [ShareBatches.Batch] {
        var batches: [ShareBatches.Batch] = []
        var position = start ?? bytes.readerIndex
        let end = bytes.writerIndex
        // Base offset (8), batch length (4), leader epoch (4), magic (1), CRC (4), attributes (2), last offset
        // delta (4): the length counts the bytes after its own field.
        while end - position >= 27,
            let base = bytes.getInteger(at: position, as: Int64.self),
            let length = bytes.getInteger(at: position + 8, as: Int32.self),
            let lastDelta = bytes.getInteger(at: position + 23, as: Int32.self),
            length >= 15, position + 12 + Int(length) <= end
        {
            let size = 12 + Int(length)
            batches.append(.init(offsets: base...(base + Int64(lastDelta)), bytes: position..<(position + size)))
            position += size
        }
        return batches
    }
}

extension SharePartitionManager {
    /// One pass of a share fetch: each partition is read from its first acquirable record, and what the member
    /// can take of it is acquired, at most `maxRecords` over all partitions.
    func acquire(group: String, member: String, _ wanted: [TopicPartition], maxRecords: Int, maxBytes: Int)
        async throws -> [ShareFetchRead]
    {
        let nowMs = Self.nowMs()
        let lockDurationMs = configs.config(for: group).recordLockDurationMs
        var found: [SharePartitionEntry?] = []
        var reads = wanted.map { ShareFetchRead(partition: $0) }
        var offsets: [(TopicPartition, Int64?)] = []
        for (index, partition) in wanted.enumerated() {
            do {
                let entry = try entry(group: group, partition)
                found.append(entry)
                offsets.append((partition, entry.read { $0.firstAcquirableOffset(nowMs: nowMs) }))
            } catch {
                reads[index].error = error
                found.append(nil)
                offsets.append((partition, nil))
            }
        }
        let batches = try await partitions.readShareBatches(offsets, maxBytes: maxBytes, maxRecords: maxRecords)
        var remaining = maxRecords
        for index in wanted.indices {
            guard let entry = found[index] else { continue }
            let read = batches[index]
            if let error = read.error {
                if error.code == .offsetOutOfRange {
                    // Retention or DeleteRecords removed records the share-partition had not finished with.
                    _ = entry.update(nowMs: nowMs) { state in
                        state.logStartMoved(to: read.logStartOffset)
                        return ((), true)
                    }
                } else {
                    reads[index].error = error
                }
                continue
            }
            guard remaining > 0, !read.batches.isEmpty else { continue }
            let (acquired, _) = entry.update(nowMs: nowMs) { state in
                let acquired = state.acquire(
                    memberId: member, candidates: read.batches.map(\.offsets), maximumRecords: remaining,
                    lockDurationMs: lockDurationMs, nowMs: nowMs)
                return (acquired, false)
            }
            let records = acquired.reduce(0) { $0 + Int($1.lastOffset - $1.firstOffset + 1) }
            remaining -= records
            metrics.acquired(records)
            reads[index].acquired = acquired
            reads[index].records = read.holding(acquired)
        }
        return reads
    }

    /// ShareFetch: acquires, and while nothing was acquired waits (a delayed operation on `eventLoop`, woken by
    /// appends and by records becoming available again) until `maxWaitMs` (cut to `fetch.max.wait.ms`).
    /// - Throws: `CancellationError` when the requester's connection closed during the wait; pool shutdown.
    func fetch(group: String, member: String, _ wanted: [TopicPartition], maxRecords: Int, maxBytes: Int,
               maxWaitMs: Int32, eventLoop: any EventLoop) async throws -> [ShareFetchRead]
    {
        let waitMs = Int64(min(max(maxWaitMs, 0), partitions.fetchMaxWaitMs))
        let deadline = NIODeadline.now() + .milliseconds(waitMs)
        let keys = wanted.flatMap { [DelayedOperationKey.appended($0), .shareAvailable($0)] }
        var result = try await acquire(group: group, member: member, wanted, maxRecords: maxRecords, maxBytes: maxBytes)
        while !keys.isEmpty && result.allSatisfy({ $0.acquired.isEmpty && $0.error == nil }) && NIODeadline.now() < deadline {
            let watched = wanted.compactMap { try? entry(group: group, $0) }
            let partitions = self.partitions
            let outcome = await partitions.delayed.wait(on: eventLoop, keys: keys, deadline: deadline) {
                let nowMs = Self.nowMs()
                return watched.contains { entry in
                    let logEnd = partitions.log(entry.key.partition)?.offsets.logEndOffset ?? 0
                    return entry.read { $0.hasAcquirable(nowMs: nowMs, logEndOffset: logEnd) }
                }
            }
            switch outcome {
            case .cancelled: throw CancellationError()
            case .expired: return result
            case .completed:
                result = try await acquire(
                    group: group, member: member, wanted, maxRecords: maxRecords, maxBytes: maxBytes)
            }
        }
        return result
    }
}
