import SpoolProtocol

extension SharePartitionState {
    /// Applies a member's acknowledgements for this partition, all or nothing: when any batch is refused none is
    /// applied, as Kafka rolls back a partition's whole acknowledgement (its responses carry one error per
    /// partition; the per-batch errors say which batch was at fault).
    ///
    /// Accept acknowledges; Reject archives for the dead-letter topic; Gap archives without dead-lettering;
    /// Release makes the records available again after the redelivery backoff, or archives them for the
    /// dead-letter topic when they reached the delivery limit. The start offset then moves over what is done.
    ///
    /// Errors, as Kafka answers them: a batch naming a record this member does not hold (never acquired,
    /// held by another member, already acknowledged, or whose lock expired) gets `INVALID_RECORD_STATE`;
    /// a malformed batch (first offset after the last, no types, a type count that is neither 1 nor one per
    /// offset, a type outside 0...3, batches out of order or overlapping) gets `INVALID_REQUEST`.
    ///
    /// - Parameters:
    ///   - memberId: the acknowledging member.
    ///   - batches: the request's batches for this partition.
    ///   - nowMs: the current time, in milliseconds; a lock whose deadline is not after it has expired.
    /// - Returns: one error code per batch, all `.none` when the acknowledgement was applied.
    public mutating func acknowledge(
        memberId: String, batches: [AcknowledgementBatch], nowMs: Int64
    ) -> [SpoolProtocol.KafkaErrorCode] {
        var previousLastOffset = Int64.min
        var errors: [SpoolProtocol.KafkaErrorCode] = []
        errors.reserveCapacity(batches.count)
        var refused = false
        for batch in batches {
            let error: SpoolProtocol.KafkaErrorCode
            if !Self.isWellFormed(batch, after: previousLastOffset) {
                error = .invalidRequest
            } else if !holds(memberId, batch.firstOffset...batch.lastOffset, nowMs: nowMs) {
                error = .invalidRecordState
            } else {
                error = .none
            }
            refused = refused || error != .none
            errors.append(error)
            previousLastOffset = max(previousLastOffset, batch.lastOffset)
        }
        // Checked batches do not overlap, so applying one cannot change what another's check saw.
        guard !refused else { return errors }
        for batch in batches { apply(batch, nowMs: nowMs) }
        advanceStartOffset()
        return errors
    }

    private static func isWellFormed(_ batch: AcknowledgementBatch, after previousLastOffset: Int64) -> Bool {
        guard batch.firstOffset >= 0, batch.firstOffset <= batch.lastOffset,
            previousLastOffset == .min || batch.firstOffset > previousLastOffset
        else { return false }
        let types = batch.acknowledgeTypes
        guard types.count == 1 || Int64(types.count) - 1 == batch.lastOffset - batch.firstOffset else { return false }
        return types.allSatisfy { AcknowledgeType(rawValue: $0) != nil }
    }

    /// Whether every record of `offsets` is acquired by `memberId` with a lock that has not expired.
    private func holds(_ memberId: String, _ offsets: ClosedRange<Int64>, nowMs: Int64) -> Bool {
        guard let slot = memberSlots[memberId], offsets.lowerBound >= startOffset, offsets.upperBound < endOffset
        else { return false }
        let first = head + Int(offsets.lowerBound - startOffset)
        let last = head + Int(offsets.upperBound - startOffset)
        for index in first...last {
            let record = records[index]
            guard record.phase == .acquired, record.member == slot, record.deadlineMs > nowMs else { return false }
        }
        return true
    }

    /// Applies a checked batch.
    private mutating func apply(_ batch: AcknowledgementBatch, nowMs: Int64) {
        let first = head + Int(batch.firstOffset - startOffset)
        let types = batch.acknowledgeTypes
        for offset in batch.firstOffset...batch.lastOffset {
            let index = first + Int(offset - batch.firstOffset)
            let raw = types.count == 1 ? types[0] : types[Int(offset - batch.firstOffset)]
            switch AcknowledgeType(rawValue: raw) ?? .release {
            case .accept:
                records[index] = Record(
                    phase: .acknowledged, deliveryCount: records[index].deliveryCount, member: -1, deadlineMs: 0)
            case .gap:
                records[index] = Record(
                    phase: .archived, deliveryCount: records[index].deliveryCount, member: -1, deadlineMs: 0)
            case .reject:
                records[index] = Record(
                    phase: .archived, deliveryCount: records[index].deliveryCount, member: -1, deadlineMs: 0)
                noteDeadLetter(offset, records[index].deliveryCount, .rejected)
            case .release:
                release(at: index, offset: offset, nowMs: nowMs)
            }
        }
    }

    /// Makes an acquired record available after the backoff, or archives it at the delivery limit.
    private mutating func release(at index: Int, offset: Int64, nowMs: Int64) {
        let count = records[index].deliveryCount
        if count >= policy.deliveryCountLimit {
            records[index] = Record(phase: .archived, deliveryCount: count, member: -1, deadlineMs: 0)
            noteDeadLetter(offset, count, .deliveryLimit)
        } else {
            // An exponential backoff may reach Int64.max: saturate rather than trap.
            let (sum, overflow) = nowMs.addingReportingOverflow(policy.redeliveryBackoff.delayMs(deliveryCount: count))
            let availableAtMs = overflow ? Int64.max : sum
            records[index] = Record(phase: .available, deliveryCount: count, member: -1, deadlineMs: availableAtMs)
        }
    }

    /// Releases every record a member holds (it left the group, its session closed or timed out), as if it had
    /// released them: available after the backoff, or archived at the delivery limit.
    ///
    /// - Parameters:
    ///   - memberId: the member.
    ///   - nowMs: the current time, in milliseconds.
    /// - Returns: how many records were released.
    @discardableResult
    public mutating func releaseAll(memberId: String, nowMs: Int64) -> Int {
        guard let slot = memberSlots.removeValue(forKey: memberId) else { return 0 }
        var released = 0
        for index in head..<records.count where records[index].phase == .acquired && records[index].member == slot {
            release(at: index, offset: startOffset + Int64(index - head), nowMs: nowMs)
            released += 1
        }
        memberIds[Int(slot)] = nil
        freeSlots.append(slot)
        advanceStartOffset()
        return released
    }

    /// Releases records whose lock has expired (deadline not after `nowMs`): available after the backoff, or
    /// archived at the delivery limit.
    ///
    /// - Parameter nowMs: the current time, in milliseconds.
    /// - Returns: when the caller should look again: the earliest lock deadline or end of a backoff still
    ///   ahead, or nil when nothing waits. One timer per share-partition set to it suffices.
    @discardableResult
    public mutating func expireLocks(nowMs: Int64) -> Int64? {
        var earliestLock = Int64.max
        for index in head..<records.count where records[index].phase == .acquired {
            if records[index].deadlineMs <= nowMs {
                release(at: index, offset: startOffset + Int64(index - head), nowMs: nowMs)
            } else {
                earliestLock = min(earliestLock, records[index].deadlineMs)
            }
        }
        earliestLockDeadlineMs = earliestLock
        advanceStartOffset()
        return nextDeadlineMs(nowMs: nowMs)
    }

    /// The earliest lock deadline or backoff end after `nowMs`, or nil when nothing waits: when the caller
    /// should call ``expireLocks(nowMs:)`` (locks) or retry waiting fetches (records become available).
    public func nextDeadlineMs(nowMs: Int64) -> Int64? {
        var earliest = Int64.max
        for index in head..<records.count {
            let record = records[index]
            if record.phase == .acquired || (record.phase == .available && record.deadlineMs > nowMs) {
                earliest = min(earliest, record.deadlineMs)
            }
        }
        return earliest == .max ? nil : earliest
    }
}
