extension LogSegment {
    /// Whether appending `bytes` would go past the disk reserved so far.
    func needsReservation(for bytes: Int) throws(LogError) -> Bool {
        try size() + bytes > reservedBytes
    }

    /// Returns the segment's grant to `budget` and reserves `chunk` bytes beyond the next `bytes` of data, if the
    /// budget allows. Best effort: without a reservation, appends allocate blocks as they go.
    /// - Throws: `LogError.storage` when the file cannot be opened or its size read.
    func reserve(_ bytes: Int, chunk: Int, from budget: DiskReservations) throws(LogError) {
        budget.release(grantedBytes)
        grantedBytes = 0
        guard chunk > 0, budget.acquire(chunk) else { return }
        grantedBytes = chunk
        reservations = budget
        reservedBytes = try size() + bytes + chunk
        try open().preallocate(upTo: reservedBytes)
    }

    /// Gives back the disk reserved beyond the data. Truncating to the data size frees blocks reserved with
    /// FALLOC_FL_KEEP_SIZE beyond the end of file (ext4 and tmpfs do so even when the size does not change),
    /// so this also trims what a crashed run reserved, which no one remembers. A segment that released its
    /// descriptor is trimmed through a new one: the blocks belong to the file, not to a descriptor.
    /// - Throws: `LogError.storage` when ftruncate fails.
    func trimReservation() throws(LogError) {
        if reservedBytes > 0 {
            try fileForSync().truncate(to: try size())
        }
        reservedBytes = 0
        reservations?.release(grantedBytes)
        grantedBytes = 0
    }

    /// Returns the segment's grant to the budget without touching the file (the segment is being deleted).
    func returnGrant() {
        reservations?.release(grantedBytes)
        grantedBytes = 0
    }
}
