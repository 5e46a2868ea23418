import Logging

/// Finishes or undoes, at start-up, a compaction's segment swap that a crash cut short (see `SegmentSwapStep`).
/// Runs before anything else reads the partition's directory, and before `.deleted` files are swept: after the
/// commit, the sources renamed `.deleted` are only safe to lose once the `.swap` that replaces them is live.
///
/// - `*.cleaned`: written before the commit; removed, and the log is as before the round.
/// - `B.log.swap`: committed. Its batches end at offset `next`; every live segment whose base offset lies in
///   `(B, next)` is one of the sources and is renamed `.deleted`, the `.swap` indexes replace `B`'s (or, when
///   they were already renamed, `B`'s indexes are removed and rebuilt from the log), and `B.log.swap` replaces
///   `B.log`. Doing it again after another crash gives the same result.
/// - A `.swap` index without its `B.log.swap`: left by a crash before the commit; removed.
enum SegmentSwapRecovery {
    /// Resolves the swaps in `directory`.
    /// - Returns: how many committed swaps were completed.
    /// - Throws: `LogError.storage` when a file cannot be renamed or removed, `.damagedSegment` when a committed
    ///   `.swap` file (fsynced before its commit) does not read.
    static func resolve(directory: String, logger: Logger) throws(LogError) -> Int {
        var names = try FileSystem.list(directory)
        guard names.contains(where: { $0.hasSuffix(LogFileName.cleanedSuffix) || $0.hasSuffix(LogFileName.swapSuffix) })
        else { return 0 }
        for name in names where name.hasSuffix(LogFileName.cleanedSuffix) {
            try FileSystem.remove(directory + "/" + name)
        }
        let swapLog = LogFileName.logSuffix + LogFileName.swapSuffix
        let committed = names.filter { $0.hasSuffix(swapLog) }.compactMap {
            LogFileName.baseOffset(ofLogFile: String($0.dropLast(LogFileName.swapSuffix.count)))
        }.sorted()
        for base in committed {
            let stem = directory + "/" + LogFileName.prefix(base)
            guard let next = try nextOffset(ofSwap: stem + swapLog) else {
                throw .damagedSegment(path: stem + swapLog, "a committed compaction output holds no batch")
            }
            for name in names {
                guard let other = LogFileName.baseOffset(ofLogFile: name), other > base, other < next else { continue }
                let source = LogSegment(directory: directory, baseOffset: other, indexIntervalBytes: 0)
                for path in try source.renameToDeleted() { try FileSystem.remove(path) }
            }
            let indexes = [LogFileName.indexSuffix, LogFileName.timeIndexSuffix]
            let swappedIndexes = indexes.allSatisfy { FileSystem.exists(stem + $0 + LogFileName.swapSuffix) }
            for suffix in indexes {
                if swappedIndexes {
                    try FileSystem.rename(stem + suffix + LogFileName.swapSuffix, stem + suffix)
                } else {
                    // Which of them are new is unknown: indexes are derived data, rebuilt when the segment opens.
                    try FileSystem.remove(stem + suffix + LogFileName.swapSuffix)
                    try FileSystem.remove(stem + suffix)
                }
            }
            try FileSystem.rename(stem + swapLog, stem + LogFileName.logSuffix)
            logger.warning(
                "completed a compaction swap that a crash interrupted",
                metadata: ["segment": "\(stem + LogFileName.logSuffix)", "nextOffset": "\(next)"])
            names = try FileSystem.list(directory)
        }
        for name in names where name.hasSuffix(LogFileName.swapSuffix) {
            try FileSystem.remove(directory + "/" + name)
        }
        try FileSystem.syncDirectory(directory)
        return committed.count
    }

    /// The offset after the last batch of a committed `.swap` log, or nil when it holds none.
    private static func nextOffset(ofSwap path: String) throws(LogError) -> Int64? {
        let file = try LogFile(path: path, create: false)
        var scanner = BatchScanner(file: file, from: 0, to: try file.size(), verify: true)
        var next: Int64?
        while true {
            switch try scanner.next() {
            case .batch(let info): next = info.nextOffset
            case .end: return next
            case .invalid(let reason): throw .damagedSegment(path: path, reason)
            }
        }
    }
}
