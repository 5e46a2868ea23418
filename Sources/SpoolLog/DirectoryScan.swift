import Logging

/// Which topic ID owns each partition, as the broker's metadata records it: what start-up may adopt.
public struct PartitionClaims: Sendable {
    /// The live partitions and the ID of the topic each belongs to.
    public var topicIds: [TopicPartition: String]
    /// IDs of topics whose deletion may not have removed every directory yet.
    public var deletedTopicIds: Set<String>

    /// - Parameters:
    ///   - topicIds: the live partitions and their topic IDs.
    ///   - deletedTopicIds: IDs of deleted topics whose directories may remain.
    public init(topicIds: [TopicPartition: String], deletedTopicIds: Set<String>) {
        self.topicIds = topicIds
        self.deletedTopicIds = deletedTopicIds
    }
}

/// Start-up's pass over the data directory before any log is loaded: finishes deletions a crash cut short,
/// sets aside directories the metadata does not claim, binds unbound directories it does claim, and says in
/// one warning line what it did not adopt.
struct DirectoryScan {
    /// Partition directories to load, by partition.
    var adopted: [(TopicPartition, String)] = []
    /// Directories removed: pending deletions finished.
    var deletionsFinished: [String] = []
    /// Directories this start moved aside (now named `*-stray`).
    var setAside: [String] = []
    /// Strays already there from earlier starts.
    var strays: [String] = []

    static func run(directory: String, claims: PartitionClaims?, logger: Logger) throws(LogError) -> DirectoryScan {
        var scan = DirectoryScan()
        var renamedAny = false
        for name in try FileSystem.list(directory).sorted() {
            let path = directory + "/" + name
            guard FileSystem.isDirectory(path) else { continue }
            switch PartitionDirectory.kind(of: name) {
            case .other:
                continue
            case .stray:
                scan.strays.append(name)
            case .pendingDeletion:
                try FileSystem.removeDirectory(path)
                scan.deletionsFinished.append(name)
            case .partition(let partition):
                guard let claims else {
                    scan.adopted.append((partition, path))
                    continue
                }
                let bound = PartitionDirectory.topicId(in: path)
                if let owner = claims.topicIds[partition], bound == nil || bound == owner {
                    // A directory from before topic IDs were bound, or a creation cut short before its
                    // partition.metadata: the metadata says whose it is.
                    if bound == nil { try PartitionDirectory.writeTopicId(owner, in: path) }
                    scan.adopted.append((partition, path))
                } else if let bound, claims.deletedTopicIds.contains(bound) {
                    try FileSystem.removeDirectory(path)
                    scan.deletionsFinished.append(name)
                } else if bound == nil, !(try holdsRecords(path)) {
                    // A creation cut short before anything was written: nothing to keep.
                    try FileSystem.removeDirectory(path)
                } else {
                    scan.setAside.append(
                        try setAside(name: name, in: directory, boundTo: bound, deleted: claims.deletedTopicIds))
                    renamedAny = true
                }
            }
        }
        if renamedAny { try FileSystem.syncDirectory(directory) }
        scan.report(directory: directory, logger: logger)
        return scan
    }

    /// Renames a partition directory out of the namespace as `<name>.<topic id>-stray` (data kept, never adopted).
    /// - Returns: the new name.
    static func setAside(name: String, in directory: String, boundTo topicId: String?,
                         deleted: Set<String>) throws(LogError) -> String
    {
        let tag = (topicId ?? "unbound-\(FileSystem.nowMs())").filter { $0 != "-" }
        var target = PartitionDirectory.renamed(name, tag: tag, suffix: PartitionDirectory.straySuffix)
        var attempt = 1
        while FileSystem.exists(directory + "/" + target) {
            attempt += 1
            target = PartitionDirectory.renamed(name, tag: "\(tag)\(attempt)", suffix: PartitionDirectory.straySuffix)
        }
        try FileSystem.rename(directory + "/" + name, directory + "/" + target)
        return target
    }

    /// Whether a directory holds a non-empty segment.
    private static func holdsRecords(_ path: String) throws(LogError) -> Bool {
        try FileSystem.list(path).contains { name in
            LogFileName.baseOffset(ofLogFile: name) != nil && (FileSystem.fileSize(path + "/" + name) ?? 0) > 0
        }
    }

    private func report(directory: String, logger: Logger) {
        if !deletionsFinished.isEmpty {
            logger.info(
                "finished topic deletions a crash had cut short",
                metadata: ["directories": "\(deletionsFinished.count)", "names": "\(deletionsFinished.prefix(20))"])
        }
        guard !setAside.isEmpty || !strays.isEmpty else { return }
        logger.warning(
            "partition directories not adopted: no topic in the metadata owns them; their data is kept, renamed *-stray, and never served. Inspect them, then delete them or restore the metadata",
            metadata: [
                "dataDir": "\(directory)", "movedAsideNow": "\(setAside.count)", "strayBefore": "\(strays.count)",
                "names": "\((setAside + strays).prefix(20))",
            ])
    }
}
