import NIOCore

/// One fixed-size entry of a sparse index file.
protocol IndexEntry: Sendable {
    /// Bytes per entry on disk.
    static var size: Int { get }
    init?(from buffer: ByteBuffer, at index: Int)
    func write(to buffer: inout ByteBuffer)
}

/// `.index`: relative offset of a batch's base offset → its byte position in the segment (8 bytes, big-endian).
struct OffsetIndexEntry: IndexEntry, Equatable {
    static let size = 8
    var relativeOffset: UInt32
    var position: UInt32

    init(relativeOffset: UInt32, position: UInt32) {
        self.relativeOffset = relativeOffset
        self.position = position
    }

    init?(from buffer: ByteBuffer, at index: Int) {
        guard let offset = buffer.getInteger(at: index, as: UInt32.self),
              let position = buffer.getInteger(at: index + 4, as: UInt32.self)
        else { return nil }
        self.init(relativeOffset: offset, position: position)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(relativeOffset)
        buffer.writeInteger(position)
    }
}

/// `.timeindex`: the largest timestamp so far → the relative base offset of the batch holding it (12 bytes).
struct TimeIndexEntry: IndexEntry, Equatable {
    static let size = 12
    var timestamp: Int64
    var relativeOffset: UInt32

    init(timestamp: Int64, relativeOffset: UInt32) {
        self.timestamp = timestamp
        self.relativeOffset = relativeOffset
    }

    init?(from buffer: ByteBuffer, at index: Int) {
        guard let timestamp = buffer.getInteger(at: index, as: Int64.self),
              let offset = buffer.getInteger(at: index + 8, as: UInt32.self)
        else { return nil }
        self.init(timestamp: timestamp, relativeOffset: offset)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(timestamp)
        buffer.writeInteger(relativeOffset)
    }
}

/// A sync of an index file prepared under the partition lock and run outside it: the file, and the index's
/// change count when it was taken, so that completing it marks the index clean only if nothing changed since.
struct SparseIndexSync {
    let file: LogFile
    let generation: Int
    /// The index had given its descriptor back: completing the sync gives it back again.
    let reopened: Bool
}

/// A sparse index held in memory and mirrored to its file, entry by entry.
///
/// Indexes are derived data: when the file is missing, short or inconsistent, the segment rebuilds it
/// from the log. Not thread-safe: its segment's partition log serialises access.
final class SparseIndex<Entry: IndexEntry> {
    let path: String
    private(set) var entries: [Entry] = []
    private var file: LogFile?
    /// Entries were written since the last sync.
    private(set) var isDirty = false {
        didSet { if isDirty { generation += 1 } }
    }
    /// Counts changes, for `completeSync(_:close:)`.
    private var generation = 0

    init(path: String) {
        self.path = path
    }

    /// Reads the file's entries; returns false when there is no file or it ends in a partial entry
    /// (a torn write), so that the caller rebuilds it.
    /// - Parameter keepingWholeEntries: load the whole entries of a file with a partial one at its end, and cut the
    ///   file back to them (for an index that keeps no derived positions, such as `.txnindex`).
    @discardableResult
    func load(keepingWholeEntries: Bool = false) throws(LogError) -> Bool {
        guard let size = FileSystem.fileSize(path), keepingWholeEntries || size % Entry.size == 0 else { return false }
        let file = try LogFile(path: path, create: false)
        let bytes = try file.read(count: size - size % Entry.size, at: 0)
        var loaded: [Entry] = []
        loaded.reserveCapacity(bytes.readableBytes / Entry.size)
        var index = bytes.readerIndex
        while index + Entry.size <= bytes.writerIndex, let entry = Entry(from: bytes, at: index) {
            loaded.append(entry)
            index += Entry.size
        }
        entries = loaded
        if keepingWholeEntries, size != loaded.count * Entry.size {
            try file.truncate(to: loaded.count * Entry.size)
            isDirty = true
        }
        return true
    }

    /// Adds an entry at the end of the file.
    func append(_ entry: Entry) throws(LogError) {
        var buffer = ByteBufferAllocator().buffer(capacity: Entry.size)
        entry.write(to: &buffer)
        try openFile().write(buffer, at: entries.count * Entry.size)
        entries.append(entry)
        isDirty = true
    }

    /// Replaces the whole index (after a rebuild) and trims the file to it.
    func reset(to newEntries: [Entry]) throws(LogError) {
        var buffer = ByteBufferAllocator().buffer(capacity: newEntries.count * Entry.size)
        for entry in newEntries { entry.write(to: &buffer) }
        let file = try openFile()
        try file.write(buffer, at: 0)
        try file.truncate(to: buffer.readableBytes)
        entries = newEntries
        isDirty = true
    }

    /// Drops entries for which `keep` is false from the end (after the log was truncated).
    func truncate(keepingWhile keep: (Entry) -> Bool) throws(LogError) {
        var count = entries.count
        while count > 0 && !keep(entries[count - 1]) { count -= 1 }
        if count == entries.count { return }
        entries.removeLast(entries.count - count)
        try openFile().truncate(to: count * Entry.size)
        isDirty = true
    }

    /// Removes the file (entries stay in memory), so that the next load finds none and the segment rebuilds it.
    func discardFile() throws(LogError) {
        file = nil
        isDirty = false
        if FileSystem.exists(path) { try FileSystem.remove(path) }
    }

    /// Makes the written entries durable; with `close`, releases the descriptor afterwards. A file whose
    /// descriptor was given back is reopened for the sync and closed again, so that a checkpoint pass over idle
    /// partitions never holds more descriptors than the open-file budget allows.
    func sync(close: Bool) throws(LogError) {
        let pending = try prepareSync()
        try pending?.file.sync()
        completeSync(pending, close: close)
    }

    /// The first half of `sync(close:)`, for a caller that fsyncs outside its lock: trims the file to the entries
    /// and returns it with the change count, or nil when nothing awaits a sync.
    func prepareSync() throws(LogError) -> SparseIndexSync? {
        guard isDirty else { return nil }
        let reopened = file == nil
        let file = try openFile()
        try file.truncate(to: entries.count * Entry.size)
        return SparseIndexSync(file: file, generation: generation, reopened: reopened)
    }

    /// The second half: after `sync.file` was fsynced, marks the index clean unless it changed meanwhile; with
    /// `close` (or when the sync reopened the file), releases the descriptor.
    func completeSync(_ sync: SparseIndexSync?, close: Bool) {
        if let sync, sync.generation == generation { isDirty = false }
        if close || sync?.reopened == true { file = nil }
    }

    /// Whether the index holds a descriptor on its file now.
    var holdsDescriptor: Bool { file != nil }

    /// Gives the descriptor back without syncing: entries not yet synced stay marked, and the next append or
    /// sync reopens the file.
    func releaseFile() {
        file = nil
    }

    /// The last position whose entry satisfies `isBefore` (a predicate true for a prefix), or nil.
    func lastIndex(where isBefore: (Entry) -> Bool) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(entries[middle]) { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    private func openFile() throws(LogError) -> LogFile {
        if let file { return file }
        let opened = try LogFile(path: path, create: true)
        file = opened
        return opened
    }
}
