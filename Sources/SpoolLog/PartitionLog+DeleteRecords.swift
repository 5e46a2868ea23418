import NIOCore

/// DeleteRecords: the log start offset moves forward by request, durably (`log-start-offset` in the
/// partition's directory), and whole segments below it are deleted.
extension PartitionLog {
    static let logStartOffsetFile = "log-start-offset"

    /// Moves the log start offset to `offset` (not past the log end offset) and deletes the segments that
    /// lie wholly below it. The new start is on disk before this returns.
    /// - Parameter offset: the new log start offset; -1 means the log end offset (Kafka's high watermark).
    /// - Returns: the log start offset afterwards (the low watermark).
    /// - Throws: `LogError.offsetOutOfRange` beyond the log end offset, `.storage` on I/O errors.
    @discardableResult
    public func deleteRecords(before offset: Int64) throws(LogError) -> Int64 {
        maintenanceLock.lock()
        defer { maintenanceLock.unlock() }
        lock.lock()
        let target = offset == -1 ? logEndOffsetValue : offset
        guard target >= 0, target <= logEndOffsetValue else {
            let (start, end) = (logStartOffsetValue, logEndOffsetValue)
            lock.unlock()
            throw .offsetOutOfRange(offset: offset, logStartOffset: start, logEndOffset: end)
        }
        let newStart = max(logStartOffsetValue, target)
        var renamed: [String] = []
        var count = 0
        do {
            try Self.writeLogStartOffset(newStart, directory: directory)
            while count + 1 < segments.count && segments[count + 1].baseOffset <= newStart {
                renamed += try segments[count].renameToDeleted()
                count += 1
            }
        } catch {
            lock.unlock()
            throw error
        }
        segments.removeFirst(count)
        published.update { $0.advanceLogStart(to: newStart) }
        lock.unlock()
        if count > 0 {
            try FileSystem.syncDirectory(directory)
            for path in renamed { try FileSystem.remove(path) }
        }
        logger.info("deleted records", metadata: ["logStartOffset": "\(newStart)", "segmentsDeleted": "\(count)"])
        return newStart
    }

    /// The log start offset DeleteRecords left, or nil when it never ran on this partition.
    static func readLogStartOffset(directory: String) -> Int64? {
        let path = directory + "/" + logStartOffsetFile
        guard let size = FileSystem.fileSize(path), size < 64, let file = try? LogFile(path: path, create: false),
              let bytes = try? file.read(count: size, at: 0)
        else { return nil }
        return Int64(String(buffer: bytes).split(separator: "\n").first ?? "")
    }

    private static func writeLogStartOffset(_ offset: Int64, directory: String) throws(LogError) {
        let path = directory + "/" + logStartOffsetFile
        let file = try LogFile(path: path + ".tmp", create: true)
        try file.truncate(to: 0)
        try file.write(ByteBuffer(string: "\(offset)\n"), at: 0)
        try file.sync()
        try FileSystem.rename(path + ".tmp", path)
        try FileSystem.syncDirectory(directory)
    }
}
