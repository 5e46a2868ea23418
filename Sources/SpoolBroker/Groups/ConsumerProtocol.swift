import NIOCore

/// Reads the consumer protocol's subscription (the JoinGroup metadata of protocol type "consumer"):
/// a version (int16), then the topics (int32 count of int16-length strings), then fields this code skips.
enum ConsumerProtocol {
    /// The topics a member subscribes to; empty when the bytes are not a subscription.
    static func subscribedTopics(_ metadata: ByteBuffer) -> [String] {
        var buffer = metadata
        guard let version = buffer.readInteger(as: Int16.self), version >= 0, version <= 3,
              let count = buffer.readInteger(as: Int32.self), count >= 0, Int(count) <= buffer.readableBytes / 2
        else { return [] }
        var topics: [String] = []
        for _ in 0..<count {
            guard let length = buffer.readInteger(as: Int16.self), length >= 0,
                  let topic = buffer.readString(length: Int(length))
            else { return topics }
            topics.append(topic)
        }
        return topics
    }
}
