import NIOCore

/// An offset per partition in a file of the data directory, in Kafka's text layout (a version line, a count line,
/// then `topic partition offset` lines): `recovery-point-offset-checkpoint`, the offset below which data and
/// indexes were synced, and `cleaner-offset-checkpoint`, where each compacted log's dirty section starts.
/// Written atomically: a temporary file, fsync, rename, directory fsync. Stateless and thread-safe.
enum RecoveryCheckpoint {
    static let fileName = "recovery-point-offset-checkpoint"
    static let cleanerFileName = "cleaner-offset-checkpoint"

    /// The checkpointed recovery points; empty when the file is missing or unreadable (then every
    /// partition is recovered from its first segment, which is slow but safe).
    static func read(directory: String, fileName: String = RecoveryCheckpoint.fileName) -> [TopicPartition: Int64] {
        let path = directory + "/" + fileName
        guard let size = FileSystem.fileSize(path), let file = try? LogFile(path: path, create: false),
              let bytes = try? file.read(count: size, at: 0)
        else { return [:] }
        let lines = String(buffer: bytes).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0] == "0", let count = Int(lines[1]), lines.count >= count + 2 else { return [:] }
        var points: [TopicPartition: Int64] = [:]
        for line in lines[2..<(count + 2)] {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let partition = Int32(fields[1]), let offset = Int64(fields[2]),
                  TopicPartition.isLegalTopicName(String(fields[0]))
            else { return [:] }
            points[TopicPartition(topic: String(fields[0]), partition: partition)] = offset
        }
        return points
    }

    /// Replaces the checkpoint with `points`.
    static func write(_ points: [TopicPartition: Int64], directory: String, fileName: String = RecoveryCheckpoint.fileName)
        throws(LogError)
    {
        var text = "0\n\(points.count)\n"
        for (partition, offset) in points.sorted(by: { $0.key < $1.key }) {
            text += "\(partition.topic) \(partition.partition) \(offset)\n"
        }
        let path = directory + "/" + fileName
        let temporary = path + ".tmp"
        let file = try LogFile(path: temporary, create: true)
        try file.truncate(to: 0)
        try file.write(ByteBuffer(string: text), at: 0)
        try file.sync()
        try FileSystem.rename(temporary, path)
        try FileSystem.syncDirectory(directory)
    }
}
