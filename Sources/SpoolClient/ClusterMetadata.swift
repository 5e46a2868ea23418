/// What a Metadata response says about the cluster: its brokers and the topics asked for. A value type.
public struct ClusterMetadata: Sendable {
    /// A broker's id and address.
    public struct Broker: Sendable, Hashable {
        /// The broker id (node id).
        public var nodeId: Int32
        /// Its advertised host.
        public var host: String
        /// Its advertised port.
        public var port: Int
    }

    /// One partition: its leader and replicas.
    public struct Partition: Sendable, Hashable {
        /// The partition index.
        public var index: Int32
        /// The leader's node id, or -1 when there is none.
        public var leaderId: Int32
        /// The leader epoch.
        public var leaderEpoch: Int32
        /// The replicas' node ids.
        public var replicas: [Int32]
        /// The in-sync replicas' node ids.
        public var isr: [Int32]
        /// The partition's error, or NONE.
        public var error: KafkaErrorCode
    }

    /// One topic.
    public struct Topic: Sendable, Hashable {
        /// The topic's name.
        public var name: String
        /// The topic id (16 bytes as 32 hex digits), or all zeros when the broker has none.
        public var topicId: String
        /// Whether it is an internal topic.
        public var isInternal: Bool
        /// Partitions in index order.
        public var partitions: [Partition]
        /// The topic's error, or NONE.
        public var error: KafkaErrorCode
    }

    /// Every broker, by node id.
    public var brokers: [Int32: Broker]
    /// The cluster id, if the broker reports one.
    public var clusterId: String?
    /// The controller's node id.
    public var controllerId: Int32
    /// The topics, by name.
    public var topics: [String: Topic]
}
