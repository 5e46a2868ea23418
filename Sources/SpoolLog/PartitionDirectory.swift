import NIOCore

/// A partition directory's names and its `partition.metadata` file, which binds the directory to one topic ID
/// (as Kafka's does), so that a directory left behind by a deleted topic is never adopted by a new topic of the
/// same name.
///
/// Names (all in the data directory):
/// - `<topic>-<partition>`: a live partition.
/// - `<topic>-<partition>.<tag>-delete`: out of the namespace, being removed; start-up finishes the removal.
/// - `<topic>-<partition>.<tag>-stray`: set aside because no topic claims it; never adopted, never removed.
///
/// Stateless and thread-safe.
public enum PartitionDirectory {
    /// The file in a partition directory that names its topic ID.
    public static let metadataFileName = "partition.metadata"
    static let deleteSuffix = "-delete"
    static let straySuffix = "-stray"
    /// The suffix of a partition directory renamed by the version before topic IDs were bound.
    static let legacyDeletedSuffix = ".deleted"

    /// The topic ID a directory is bound to: nil when it has no (readable) `partition.metadata`.
    /// - Parameter directory: the partition directory's path.
    static func topicId(in directory: String) -> String? {
        let path = directory + "/" + metadataFileName
        guard let size = FileSystem.fileSize(path), size > 0, size < 4096,
              let file = try? LogFile(path: path, create: false), let bytes = try? file.read(count: size, at: 0)
        else { return nil }
        let text = String(buffer: bytes)
        for line in text.split(separator: "\n") where line.hasPrefix("topic_id:") {
            let id = line.dropFirst("topic_id:".count).trimmingPrefix(" ")
            return id.isEmpty ? nil : String(id)
        }
        return nil
    }

    /// Writes `partition.metadata` durably: to a temporary file, synced, then renamed into place and the
    /// directory synced, so a crash leaves the old file, the new one, or none, never half of one.
    /// - Parameters:
    ///   - topicId: the topic ID.
    ///   - directory: the partition directory's path.
    /// - Throws: `LogError.storage` on I/O errors.
    ///   - durably: false leaves the syncs to the caller (a `FileSystem.syncFileSystem` covering many).
    static func writeTopicId(_ topicId: String, in directory: String, durably: Bool = true) throws(LogError) {
        let path = directory + "/" + metadataFileName
        let temporary = path + ".tmp"
        let file = try LogFile(path: temporary, create: true)
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeString("version: 0\ntopic_id: \(topicId)\n")
        try file.truncate(to: 0)
        try file.write(buffer, at: 0)
        if durably { try file.sync() }
        try FileSystem.rename(temporary, path)
        if durably { try FileSystem.syncDirectory(directory) }
    }

    /// The name a directory takes out of the namespace: `<name>.<tag>-delete` or `-stray`, the name cut short
    /// when the whole would pass the 255 bytes a file name may have (topic names reach 249 characters).
    static func renamed(_ name: String, tag: String, suffix: String) -> String {
        let tail = "." + tag + suffix
        let room = max(0, 255 - tail.utf8.count)
        let head = name.utf8.count <= room ? name : String(decoding: name.utf8.prefix(room), as: UTF8.self)
        return head + tail
    }

    /// What a data directory entry is, by its name.
    enum Kind: Equatable {
        case partition(TopicPartition)
        case pendingDeletion
        case stray
        case other
    }

    static func kind(of name: String) -> Kind {
        if name.hasSuffix(deleteSuffix) || name.hasSuffix(legacyDeletedSuffix) { return .pendingDeletion }
        if name.hasSuffix(straySuffix) { return .stray }
        if let partition = TopicPartition(directoryName: name) { return .partition(partition) }
        return .other
    }
}
