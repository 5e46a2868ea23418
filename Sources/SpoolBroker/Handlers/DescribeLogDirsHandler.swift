import Foundation
import NIOPosix
import SpoolLog
import SpoolProtocol

/// DescribeLogDirs (35), which admin UIs and `kafka-log-dirs` call: Spool keeps every partition in one log
/// directory, the data directory. Each partition is described with its size on disk (its segments' data files,
/// as Kafka counts `Log.size`), offset lag 0 and is_future false (a single broker never moves a replica);
/// v4+ adds the file system's total and usable bytes. Topics asked for that do not exist are left out, as
/// Kafka leaves out partitions a directory does not hold.
struct DescribeLogDirsHandler: KafkaResponseHandler {
    // Every version the generated codecs have.
    static let versions: ClosedRange<Int16> = 0...4

    let catalog: TopicCatalog
    let dataDirectory: String

    func respond(_ request: DescribeLogDirsRequest, context: RequestContext) async -> DescribeLogDirsResponse {
        // v0-2 have no error code: a denied client sees no log directories.
        if let denial = context.denial(.describe, .cluster) {
            return DescribeLogDirsResponse(errorCode: context.version >= 3 ? denial.rawValue : 0)
        }
        let logs = wanted(request)
        let directory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
        // Sizes and statvfs are blocking file-system calls: off the event loop, on NIO's blocking pool.
        let result: DescribeLogDirsResponse.DescribeLogDirsResult
        do {
            result = try await NIOThreadPool.singleton.runIfActive { Self.describe(directory, logs) }
        } catch {
            result = .init(errorCode: KafkaErrorCode.kafkaStorageError.rawValue, logDir: directory)
        }
        return DescribeLogDirsResponse(results: [result])
    }

    /// The logs the request asks about, by topic name; a null topic list asks for every topic.
    private func wanted(_ request: DescribeLogDirsRequest) -> [(topic: String, logs: [PartitionLog])] {
        guard let topics = request.topics else { return catalog.allTopics.map { ($0.name, $0.logs) } }
        return topics.compactMap { asked in
            guard let entry = catalog.topic(asked.topic) else { return nil }
            let partitions = Set(asked.partitions)
            return (entry.name, entry.logs.filter { partitions.contains($0.topicPartition.partition) })
        }
    }

    /// The one log directory with each partition's size and the file system's capacity.
    private static func describe(_ directory: String, _ topics: [(topic: String, logs: [PartitionLog])])
        -> DescribeLogDirsResponse.DescribeLogDirsResult
    {
        let described = topics.map { topic, logs in
            DescribeLogDirsResponse.DescribeLogDirsTopic(name: topic, partitions: logs.map { log in
                .init(partitionIndex: log.topicPartition.partition, partitionSize: dataBytes(in: log.directory),
                      offsetLag: 0, isFutureKey: false)
            })
        }
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else {
            return .init(errorCode: KafkaErrorCode.kafkaStorageError.rawValue, logDir: directory, topics: described)
        }
        let blockBytes = Int64(stats.f_frsize)
        return .init(errorCode: 0, logDir: directory, topics: described,
                     totalBytes: Int64(stats.f_blocks) * blockBytes, usableBytes: Int64(stats.f_bavail) * blockBytes)
    }

    /// The bytes of a partition's segment data files (`*.log`); indexes are not counted, as Kafka does not.
    private static func dataBytes(in directory: String) -> Int64 {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".log") }.reduce(0) { total, file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + file)
            return total + ((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
