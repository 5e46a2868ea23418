import SpoolMetadata

extension SharePartitionState {
    /// The durable form of this state, for ``SQLiteMetadataStore/saveShareStates(_:)``.
    ///
    /// Acquired records, and records waiting for the dead-letter topic, are written as available with their
    /// delivery count: after a crash they are delivered again. Available records never delivered are left out
    /// (implicit), as is the redelivery backoff: a restored record is available at once.
    ///
    /// - Returns: the snapshot; ranges merge neighbours with one state and delivery count.
    public func snapshot() -> SharePartitionSnapshot {
        var ranges: [SharePartitionSnapshot.Range] = []
        var offset = startOffset
        for record in records[head...] {
            defer { offset += 1 }
            let state: SharePartitionSnapshot.RecordState
            switch record.phase {
            case .available, .acquired, .deadLettering:
                if record.deliveryCount == 0 { continue }
                state = .available
            case .acknowledged: state = .acknowledged
            case .archived: state = .archived
            }
            if let last = ranges.last, last.lastOffset + 1 == offset, last.state == state,
                last.deliveryCount == record.deliveryCount
            {
                ranges[ranges.count - 1].lastOffset = offset
            } else {
                ranges.append(
                    .init(firstOffset: offset, lastOffset: offset, state: state, deliveryCount: record.deliveryCount))
            }
        }
        return SharePartitionSnapshot(
            groupId: groupId, topic: topic, partition: partition, stateEpoch: stateEpoch, startOffset: startOffset,
            ranges: ranges)
    }

    /// The state a snapshot describes, loaded by a broker: its state epoch is the snapshot's plus one.
    ///
    /// Ranges below the start offset are ignored; offsets between ranges are available and never delivered.
    /// The window is bounded by the last range, so a snapshot with more records than the in-flight bound still
    /// loads (the bound only stops new acquisitions).
    ///
    /// - Parameters:
    ///   - snapshot: what ``snapshot()`` returned, as stored.
    ///   - policy: the group's current limits and backoff.
    public init(restoring snapshot: SharePartitionSnapshot, policy: SharePartitionPolicy) {
        self.init(
            groupId: snapshot.groupId, topic: snapshot.topic, partition: snapshot.partition,
            startOffset: snapshot.startOffset, policy: policy)
        stateEpoch = snapshot.stateEpoch &+ 1
        let start = startOffset
        let end = snapshot.ranges.map { $0.lastOffset + 1 }.max() ?? start
        guard end > start else { return }
        records = Array(repeating: .fresh, count: Int(end - start))
        for range in snapshot.ranges where range.lastOffset >= start {
            let phase: Phase
            switch range.state {
            case .available: phase = .available
            case .acknowledged: phase = .acknowledged
            case .archived: phase = .archived
            }
            let record = Record(phase: phase, deliveryCount: range.deliveryCount, member: -1, deadlineMs: 0)
            for offset in max(range.firstOffset, start)...range.lastOffset {
                records[Int(offset - start)] = record
            }
        }
        // Trailing never-delivered records are implicit: the window ends at the last one that is not.
        while let last = records.last, last.phase == .available, last.deliveryCount == 0 { records.removeLast() }
        advanceStartOffset()
    }

    /// How many records are in each state, and the first available offset; scans the window.
    public var counts: SharePartitionCounts {
        var counts = SharePartitionCounts()
        counts.deadLettered = deadLetteredTotal
        counts.firstAvailableOffset = endOffset
        var offset = startOffset
        var foundAvailable = false
        for record in records[head...] {
            switch record.phase {
            case .available:
                counts.available += 1
                if !foundAvailable {
                    counts.firstAvailableOffset = offset
                    foundAvailable = true
                }
            case .acquired: counts.acquired += 1
            case .acknowledged: counts.acknowledged += 1
            case .archived, .deadLettering: counts.archived += 1
            }
            offset += 1
        }
        return counts
    }
}
