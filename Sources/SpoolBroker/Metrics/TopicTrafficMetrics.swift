import Metrics
import NIOConcurrencyHelpers

/// Produce and fetch traffic per topic: records and bytes appended, bytes fetched. Labelled by topic only, never
/// by partition, so that the series grow with topics (a few per topic) and not with partitions.
///
/// Thread-safe: a lock guards the map of instruments, made the first time a topic is seen.
final class TopicTrafficMetrics: Sendable {
    private struct Instruments: Sendable {
        let producedRecords: Counter
        let producedBytes: Counter
        let fetchedBytes: Counter

        init(topic: String) {
            let dimensions = [("topic", topic)]
            producedRecords = Counter(label: "spool_topic_produced_records_total", dimensions: dimensions)
            producedBytes = Counter(label: "spool_topic_produced_bytes_total", dimensions: dimensions)
            fetchedBytes = Counter(label: "spool_topic_fetched_bytes_total", dimensions: dimensions)
        }
    }

    private let byTopic = NIOLockedValueBox<[String: Instruments]>([:])

    private func instruments(_ topic: String) -> Instruments {
        byTopic.withLockedValue { map in
            if let found = map[topic] { return found }
            let made = Instruments(topic: topic)
            map[topic] = made
            return made
        }
    }

    /// Counts records appended to a partition of `topic`.
    func produced(topic: String, records: Int, bytes: Int) {
        let instruments = instruments(topic)
        instruments.producedRecords.increment(by: records)
        instruments.producedBytes.increment(by: bytes)
    }

    /// Counts record bytes a Fetch returned from a partition of `topic`.
    func fetched(topic: String, bytes: Int) {
        instruments(topic).fetchedBytes.increment(by: bytes)
    }
}
