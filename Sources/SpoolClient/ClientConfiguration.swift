/// How a `KafkaClient` reaches the cluster. A value type.
public struct ClientConfiguration: Sendable {
    /// `host:port` addresses tried in order for the first connection.
    public var bootstrapServers: [String]
    /// The client id sent in every request header.
    public var clientId: String
    /// How long a TCP connect plus the ApiVersions handshake may take, in milliseconds.
    public var connectTimeoutMs: Int64
    /// How long one request may wait for its response, in milliseconds.
    public var requestTimeoutMs: Int64
    /// The first pause before a retry, in milliseconds; it doubles up to `retryBackoffMaxMs`.
    public var retryBackoffMs: Int64
    /// The longest pause between retries, in milliseconds.
    public var retryBackoffMaxMs: Int64
    /// Whether a Metadata request may create a topic it names (brokers with auto-creation enabled).
    public var allowAutoTopicCreation: Bool
    /// How long a topic's cached metadata is used before it is asked for again, in milliseconds.
    public var metadataMaxAgeMs: Int64 = 300_000

    /// Makes a configuration.
    /// - Parameters:
    ///   - bootstrapServers: `host:port` addresses; the first that answers is used.
    ///   - clientId: the client id sent in request headers.
    ///   - connectTimeoutMs: connect and handshake deadline.
    ///   - requestTimeoutMs: per-request deadline.
    ///   - retryBackoffMs: the first pause before a retry.
    ///   - retryBackoffMaxMs: the longest pause between retries.
    ///   - allowAutoTopicCreation: whether Metadata requests may create topics.
    public init(
        bootstrapServers: [String] = ["127.0.0.1:9092"], clientId: String = "spool-client",
        connectTimeoutMs: Int64 = 5_000, requestTimeoutMs: Int64 = 30_000,
        retryBackoffMs: Int64 = 100, retryBackoffMaxMs: Int64 = 1_000, allowAutoTopicCreation: Bool = false
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientId = clientId
        self.connectTimeoutMs = connectTimeoutMs
        self.requestTimeoutMs = requestTimeoutMs
        self.retryBackoffMs = retryBackoffMs
        self.retryBackoffMaxMs = retryBackoffMaxMs
        self.allowAutoTopicCreation = allowAutoTopicCreation
    }

    /// Splits `host:port` (the port defaults to 9092; `[v6]:port` is accepted).
    /// - Parameter address: the address text.
    /// - Throws: `SpoolClientError.invalidArgument` for an empty host or a bad port.
    public static func parse(address: String) throws(SpoolClientError) -> (host: String, port: Int) {
        var host = Substring(address)
        var port = 9092
        if let colon = address.lastIndex(of: ":"), !address[address.index(after: colon)...].contains("]") {
            guard let parsed = Int(address[address.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw .invalidArgument("bad port in broker address '\(address)': expected HOST:PORT")
            }
            port = parsed
            host = address[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else {
            throw .invalidArgument("no host in broker address '\(address)': expected HOST:PORT")
        }
        return (String(host), port)
    }
}

/// A topic and a partition of it.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition index.
    public var partition: Int32

    /// Makes a topic-partition.
    /// - Parameters:
    ///   - topic: the topic's name.
    ///   - partition: the partition index.
    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// `topic-partition`, as Kafka prints it.
    public var description: String { "\(topic)-\(partition)" }
}
