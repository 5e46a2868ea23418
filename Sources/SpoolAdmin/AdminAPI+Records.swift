import Foundation
import Hummingbird
import NIOCore
import SpoolBroker
import SpoolClient
import SpoolRecords

/// Keys, values and header values as JSON: text when the bytes are UTF-8, base64 when not; long ones cut.
struct JSONBytes: Encodable {
    /// Bytes beyond this are left out of one key, value or header (`truncated` says so); `size` stays whole.
    static let maximumShownBytes = 65_536

    let encoding: String
    let data: String
    let size: Int
    let truncated: Bool

    init?(_ buffer: ByteBuffer?) {
        guard let buffer else { return nil }
        size = buffer.readableBytes
        let shown = buffer.getSlice(at: buffer.readerIndex, length: min(size, Self.maximumShownBytes)) ?? buffer
        truncated = shown.readableBytes < size
        let bytes = Array(shown.readableBytesView)
        if let text = String(validating: bytes, as: UTF8.self) {
            encoding = "utf8"
            data = text
        } else {
            encoding = "base64"
            data = Data(bytes).base64EncodedString()
        }
    }
}

extension AdminAPI {
    struct Header: Encodable {
        let key: String
        let value: JSONBytes?
    }

    struct Record: Encodable {
        let offset: Int64
        let timestampMs: Int64
        let timestampType: String
        let key: JSONBytes?
        let value: JSONBytes?
        let headers: [Header]
    }

    struct Records: Encodable {
        let topic: String
        let partition: Int32
        let logStartOffset: Int64
        let logEndOffset: Int64
        /// Where the next page starts.
        let nextOffset: Int64
        let records: [Record]
    }

    /// The most records one browse answers, and the most record bytes it gathers.
    static let maximumBrowseRecords = 500
    static let maximumBrowseBytes = 1024 * 1024

    func registerRecords(on api: RouterGroup<BasicRequestContext>) {
        api.get("/topics/:topic/partitions/:partition/records") { request, context in
            let topic = try context.parameters.require("topic")
            let partition = try context.parameters.require("partition", as: Int32.self)
            let limit = try request.integer("limit", as: Int.self) ?? 50
            guard (1...Self.maximumBrowseRecords).contains(limit) else {
                throw AdminError.badRequest("limit=\(limit): ask for 1 to \(Self.maximumBrowseRecords) records")
            }
            let spec: OffsetSpec
            if let offset = try request.integer("offset") {
                spec = .offset(offset)
            } else if let timestamp = try request.integer("timestamp") {
                spec = .timestamp(timestamp)
            } else {
                spec = .beginning
            }
            return JSONBody.response(try await browse(topic, partition, from: spec, limit: limit))
        }
    }

    /// Up to `limit` records of a partition from `spec`, fetched as a Kafka consumer would.
    private func browse(_ topic: String, _ partition: Int32, from spec: OffsetSpec, limit: Int) async throws
        -> Records
    {
        let broker = try openBroker()
        guard let bounds = await broker.partitionSummaries(topic: topic).first(where: { $0.partition == partition })
        else {
            throw AdminError.notFound(
                "topic \(topic) has no partition \(partition): /api/topics lists the topics and their partitions")
        }
        let records = try await kafka("read \(topic)-\(partition)") { client throws(SpoolClientError) in
            let consumer = Consumer(
                client: client,
                configuration: ConsumerConfiguration(
                    groupId: nil, autoOffsetReset: .earliest, fetchMaxWaitMs: 100,
                    fetchMaxBytes: Int32(Self.maximumBrowseBytes), maxPartitionFetchBytes: 1_048_576,
                    prefetch: false, enableAutoCommit: false))
            let wanted = TopicPartition(topic, partition)
            await consumer.assign([wanted])
            var records: [ConsumerRecord] = []
            var bytes = 0
            do throws(SpoolClientError) {
                try await consumer.seek(wanted, to: spec)
                let deadline = ContinuousClock.now + .seconds(2)
                while records.count < limit, bytes < Self.maximumBrowseBytes, ContinuousClock.now < deadline {
                    let polled = try await consumer.poll(timeoutMs: 200)
                    for record in polled where records.count < limit {
                        records.append(record)
                        bytes += (record.key?.readableBytes ?? 0) + (record.value?.readableBytes ?? 0)
                            + record.headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.readableBytes ?? 0) }
                    }
                    let position = await consumer.position(wanted) ?? bounds.logEndOffset
                    if polled.isEmpty && position >= bounds.logEndOffset { break }
                }
            } catch {
                await consumer.close()
                throw error
            }
            await consumer.close()
            return records
        }
        let nextOffset = records.last.map { $0.offset + 1 } ?? {
            if case .offset(let offset) = spec { return max(offset, bounds.logStartOffset) }
            return bounds.logEndOffset
        }()
        return Records(
            topic: topic, partition: partition, logStartOffset: bounds.logStartOffset,
            logEndOffset: bounds.logEndOffset, nextOffset: nextOffset,
            records: records.map { record in
                Record(
                    offset: record.offset, timestampMs: record.timestamp,
                    timestampType: record.isLogAppendTime ? "LogAppendTime" : "CreateTime",
                    key: JSONBytes(record.key), value: JSONBytes(record.value),
                    headers: record.headers.map { Header(key: $0.key, value: JSONBytes($0.value)) })
            })
    }
}
