import Foundation
import SpoolProtocol
import Testing

@testable import SpoolBroker

/// DescribeLogDirs (35) through the router at every advertised version: one log directory, the data directory,
/// with each partition's size on disk, and the file system's capacity where the version carries it.
@Suite struct DescribeLogDirsTests {
    @Test("the data directory is described with every partition's size at every version, or just those asked for")
    func everyVersion() async throws {
        let broker = try await RoutedBroker()
        let catalog = broker.broker.partitions.catalog
        let topic = try await catalog.createTopic(name: "sized", partitions: 2, configs: [:])
        _ = try await catalog.createTopic(name: "other", partitions: 1, configs: [:])
        for _ in 0..<2 { _ = try topic.logs[1].append(makeBatch(records: 3)) }
        let batchBytes = Int64(try makeBatch(records: 3).sizeInBytes)
        let dataDirectory = URL(fileURLWithPath: broker.broker.configuration.dataDirectory).standardizedFileURL.path

        for version in try #require(broker.router.registry.versions(of: .describeLogDirs)) {
            let all = try await broker.call(
                DescribeLogDirsRequest(topics: nil), version: version, as: DescribeLogDirsResponse.self)
            let directory = try #require(all.results.first, "v\(version)")
            #expect(all.results.count == 1 && all.errorCode == 0 && directory.errorCode == 0, "v\(version)")
            #expect(directory.logDir == dataDirectory, "v\(version)")
            #expect(directory.topics.map(\.name) == ["other", "sized"], "v\(version)")
            let sized = try #require(directory.topics.last)
            #expect(sized.partitions.map(\.partitionIndex) == [0, 1])
            #expect(sized.partitions.map(\.partitionSize) == [0, 2 * batchBytes], "v\(version)")
            #expect(sized.partitions.allSatisfy { $0.offsetLag == 0 && !$0.isFutureKey })
            if version >= 4 {
                #expect(directory.totalBytes > 0 && directory.usableBytes > 0, "v\(version)")
                #expect(directory.usableBytes <= directory.totalBytes)
            }

            let some = DescribeLogDirsRequest(topics: [.init(topic: "sized", partitions: [1]),
                                                       .init(topic: "missing", partitions: [0])])
            let asked = try await broker.call(some, version: version, as: DescribeLogDirsResponse.self)
            let answered = try #require(asked.results.first?.topics)
            #expect(answered.map(\.name) == ["sized"], "v\(version)")
            #expect(answered.first?.partitions.map(\.partitionSize) == [2 * batchBytes], "v\(version)")
        }
        try await broker.stop()
    }
}
