import NIOCore
import SpoolRecords

/// A producer snapshot's content, taken under the lock and written outside it during a roll.
struct ProducerSnapshot {
    /// The log end offset it describes (its file name).
    let offset: Int64
    let text: String
    let isEmpty: Bool
}

/// Idempotent producers: checks on append, and the state's snapshots (`<base offset>.snapshot`) written at
/// every roll and clean close, so that a restart reads one snapshot and scans only the batches after it.
extension PartitionLog {
    static let snapshotSuffix = ".snapshot"

    /// Checks an idempotent batch against its producer's state. Called with the lock held.
    func checkProducer(_ batch: RecordBatch) throws(LogError) -> ProducerStateManager.Decision {
        guard batch.baseSequence >= 0 else {
            throw .invalidBatch(.invalidRecord("producer \(batch.producerId) sent base sequence \(batch.baseSequence)"))
        }
        return try producers.check(
            producerId: batch.producerId, epoch: batch.producerEpoch, firstSequence: batch.baseSequence,
            lastSequence: Self.lastSequence(base: batch.baseSequence, delta: batch.lastOffsetDelta))
    }

    /// Remembers an appended idempotent batch. Called with the append lock held.
    func recordProducer(_ info: BatchInfo) {
        producers.update(
            producerId: info.producerId, epoch: info.producerEpoch,
            batch: ProducerBatch(
                firstSequence: info.baseSequence,
                lastSequence: Self.lastSequence(base: info.baseSequence, delta: Int32(truncatingIfNeeded: info.lastOffset - info.baseOffset)),
                firstOffset: info.baseOffset, lastOffset: info.lastOffset),
            timestamp: info.maxTimestamp)
    }

    /// Sequences wrap from Int32.max to 0, as Kafka's do.
    static func lastSequence(base: Int32, delta: Int32) -> Int32 {
        let sum = Int64(base) + Int64(delta)
        return Int32(truncatingIfNeeded: sum > Int64(Int32.max) ? sum - Int64(Int32.max) - 1 : sum)
    }

    /// Writes the producer state as of the log end offset, atomically, and keeps only the newest two
    /// snapshots. Called with the lock held (a roll runs the same steps with its I/O outside the lock).
    func writeProducerSnapshot() throws(LogError) {
        let snapshot = producerSnapshot()
        try writeSnapshotFile(snapshot)
        for path in recordSnapshot(snapshot) { try FileSystem.remove(path) }
    }

    /// The producer state as of the log end offset, as a snapshot file's text. Called with the lock held.
    /// Version 2: per producer a line `p <id> <epoch> <coordinator epoch> <open transaction's first offset or -1>
    /// <last timestamp>`, then a line `b <first seq> <last seq> <first offset> <last offset>` per remembered batch.
    func producerSnapshot() -> ProducerSnapshot {
        var text = "spool-producer-snapshot 2\n"
        for (producerId, entry) in producers.entries.sorted(by: { $0.key < $1.key }) {
            text += "p \(producerId) \(entry.epoch) \(entry.coordinatorEpoch) \(producers.ongoing[producerId] ?? -1) "
                + "\(entry.lastTimestampMs)\n"
            for batch in entry.batches {
                text += "b \(batch.firstSequence) \(batch.lastSequence) \(batch.firstOffset) \(batch.lastOffset)\n"
            }
        }
        // An open transaction always has an entry (its first batch made one), so `entries` counts it too: a snapshot
        // holding one is never empty, hence always fsynced.
        return ProducerSnapshot(offset: logEndOffsetValue, text: text, isEmpty: producers.entries.isEmpty)
    }

    /// Writes a snapshot file atomically (a temporary file renamed over it). An empty state is not fsynced: a
    /// torn empty snapshot fails its header check and the rebuild falls back to an older one. Needs no lock.
    func writeSnapshotFile(_ snapshot: ProducerSnapshot) throws(LogError) {
        let path = directory + "/" + LogFileName.prefix(snapshot.offset) + Self.snapshotSuffix
        let file = try LogFile(path: path + ".tmp", create: true)
        try file.truncate(to: 0)
        try file.write(ByteBuffer(string: snapshot.text), at: 0)
        if !snapshot.isEmpty { try file.sync() }
        try FileSystem.rename(path + ".tmp", path)
    }

    /// Notes a written snapshot and returns the paths of those past the newest two. Called with the lock held.
    func recordSnapshot(_ snapshot: ProducerSnapshot) -> [String] {
        if snapshotOffsets.last != snapshot.offset { snapshotOffsets.append(snapshot.offset) }
        var stale: [String] = []
        while snapshotOffsets.count > 2 {
            stale.append(directory + "/" + LogFileName.prefix(snapshotOffsets.removeFirst()) + Self.snapshotSuffix)
        }
        return stale
    }

    /// Removes snapshots no longer kept. A failure only leaves an old file behind (start-up reads the newest
    /// snapshot), so it is logged rather than failing the append that rolled.
    func removeSnapshots(_ paths: [String]) {
        for path in paths {
            do {
                try FileSystem.remove(path)
            } catch {
                logger.warning("old producer snapshot not removed", metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }
    }

    /// Rebuilds the producer state: the newest snapshot at or below the log end offset, then the batches
    /// after it. Snapshots beyond the log end (cut by recovery) are removed. Called before the log is shared.
    func rebuildProducerState() throws(LogError) {
        producers.reset()
        var from = logStartOffsetValue
        snapshotOffsets = try Self.snapshotOffsets(in: directory).filter { $0 <= logEndOffsetValue }
        for offset in try Self.snapshotOffsets(in: directory).reversed() {
            let path = directory + "/" + LogFileName.prefix(offset) + Self.snapshotSuffix
            if offset > logEndOffsetValue {
                try FileSystem.remove(path)
                continue
            }
            if let snapshot = Self.readSnapshot(path) {
                producers = snapshot
                from = offset
                break
            }
        }
        defer { publishFirstUnstableOffsetLocked() }
        guard from < logEndOffsetValue else { return }
        for segment in segments[segmentIndex(for: from)...] {
            let wanted = max(from, segment.baseOffset)
            var aborted: [AbortedTransaction] = []
            if let first = try withIndexRepair(segment, { (segment) throws(LogError) in
                try segment.locate(offset: wanted)
            }) {
                var scanner = BatchScanner(
                    file: try segment.open(), from: first.position, to: try segment.size(), verify: false)
                while case .batch(let info) = try scanner.next() {
                    if let entry = replay(info) { aborted.append(entry) }
                }
            }
            // The markers from `wanted` on were just re-read: their entries replace whatever the index held there
            // (entries lost in a crash, or past a cut log end).
            try segment.replaceAborted(from: wanted, with: aborted)
        }
    }

    /// Applies a scanned batch to the producer state as its append did: data batches record their producer and
    /// open transactions, markers close them. Returns the aborted transaction an abort marker closed.
    private func replay(_ info: BatchInfo) -> AbortedTransaction? {
        if let marker = info.marker {
            guard let closed = producers.completeTransaction(
                producerId: marker.producerId, epoch: marker.producerEpoch, coordinatorEpoch: marker.coordinatorEpoch,
                commit: marker.commit, markerOffset: info.baseOffset, timestamp: info.maxTimestamp)
            else { return nil }
            let end = info.nextOffset
            let stable = max(logStartOffsetValue, min(producers.firstUnstableOffset ?? end, end))
            return AbortedTransaction(
                producerId: marker.producerId, firstOffset: closed.first, lastOffset: closed.last,
                lastStableOffset: stable)
        }
        guard info.producerId >= 0, info.baseSequence >= 0, !info.isControl else { return nil }
        recordProducer(info)
        if info.isTransactional { producers.openTransaction(producerId: info.producerId, at: info.baseOffset) }
        return nil
    }

    static func snapshotOffsets(in directory: String) throws(LogError) -> [Int64] {
        try FileSystem.list(directory).compactMap { name -> Int64? in
            guard name.hasSuffix(snapshotSuffix) else { return nil }
            let stem = name.dropLast(snapshotSuffix.count)
            return stem.count == 20 ? Int64(stem) : nil
        }.sorted()
    }

    /// Reads a snapshot of either version (1 has no transactions), or nil when it is torn or unreadable.
    static func readSnapshot(_ path: String) -> ProducerStateManager? {
        guard let size = FileSystem.fileSize(path), let file = try? LogFile(path: path, create: false),
              let bytes = try? file.read(count: size, at: 0)
        else { return nil }
        let lines = String(buffer: bytes).split(separator: "\n")
        if lines.first == "spool-producer-snapshot 2" { return ProducerStateManager(snapshotLines: lines.dropFirst()) }
        guard lines.first == "spool-producer-snapshot 1" else { return nil }
        var state = ProducerStateManager()
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ").compactMap { Int64($0) }
            guard fields.count == 6, let epoch = Int16(exactly: fields[1]), let first = Int32(exactly: fields[2]),
                  let last = Int32(exactly: fields[3])
            else { return nil }
            state.update(
                producerId: fields[0], epoch: epoch,
                batch: ProducerBatch(firstSequence: first, lastSequence: last, firstOffset: fields[4], lastOffset: fields[5]))
        }
        return state
    }
}
