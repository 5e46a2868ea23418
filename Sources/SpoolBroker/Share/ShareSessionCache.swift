import Synchronization
import SpoolProtocol

/// A topic partition a share session fetches, by topic ID as ShareFetch names it.
public struct ShareSessionPartition: Hashable, Sendable {
    /// The topic's ID.
    public var topicId: KafkaUUID
    /// The partition index.
    public var partition: Int32

    /// A partition of a topic.
    public init(topicId: KafkaUUID, partition: Int32) {
        self.topicId = topicId
        self.partition = partition
    }
}

/// Why a share session request was refused; ``code`` is the Kafka error to answer with.
public struct ShareSessionError: Error, Hashable, Sendable {
    /// The Kafka error code.
    public let code: SpoolProtocol.KafkaErrorCode

    /// No session for this member (never opened, closed, or evicted): SHARE_SESSION_NOT_FOUND (122).
    public static let notFound = ShareSessionError(code: .shareSessionNotFound)
    /// The epoch is not the one the session expects next, or 0 on ShareAcknowledge:
    /// INVALID_SHARE_SESSION_EPOCH (123).
    public static let invalidEpoch = ShareSessionError(code: .invalidShareSessionEpoch)
    /// The broker holds `group.share.max.share.sessions` sessions already: SHARE_SESSION_LIMIT_REACHED (133).
    public static let limitReached = ShareSessionError(code: .shareSessionLimitReached)
}

/// The broker's share sessions (KIP-932), one per (share group, member): the set of partitions a member's
/// ShareFetch requests fetch, and the epoch its next request must carry.
///
/// ShareSessionEpoch 0 opens a session (replacing one the member had), -1 closes it, any other value must be
/// the session's next epoch, which each accepted request advances (after `Int32.max` comes 1). The number of
/// sessions is bounded (`group.share.max.share.sessions`).
///
/// Thread-safe: a lock guards the sessions; every call is short.
public final class ShareSessionCache: Sendable {
    /// The identity of a session.
    public struct Key: Hashable, Sendable {
        /// The share group's id.
        public var groupId: String
        /// The member's id.
        public var memberId: String

        /// A session key.
        public init(groupId: String, memberId: String) {
            self.groupId = groupId
            self.memberId = memberId
        }
    }

    /// One session as a request sees it after the cache accepted it.
    public struct Session: Hashable, Sendable {
        /// The partitions the member fetches.
        public var partitions: Set<ShareSessionPartition>
        /// The epoch the member's next request must carry.
        public var nextEpoch: Int32
        /// Whether this request opened the session (epoch 0).
        public var isNew: Bool
    }

    /// What a ShareFetch did to the member's session.
    public enum FetchContext: Hashable, Sendable {
        /// The session is open (new or continued): fetch its partitions.
        case open(Session)
        /// The request closed the session (epoch -1): answer its acknowledgements, fetch nothing, and release
        /// the records the member holds in `partitions`.
        case closed(partitions: Set<ShareSessionPartition>)
    }

    private struct Entry {
        var partitions: Set<ShareSessionPartition>
        var nextEpoch: Int32
    }

    /// The most sessions the broker holds.
    public let maximumSessions: Int
    private let sessions = Mutex([Key: Entry]())

    /// An empty cache.
    ///
    /// - Parameter maximumSessions: the bound (`group.share.max.share.sessions`, Kafka's default 2000).
    public init(maximumSessions: Int) {
        self.maximumSessions = max(1, maximumSessions)
    }

    /// How many sessions are open.
    public var count: Int { sessions.withLock { $0.count } }

    /// Applies a ShareFetch's session fields.
    ///
    /// - Parameters:
    ///   - key: the group and member.
    ///   - epoch: ShareSessionEpoch.
    ///   - adding: the request's Topics partitions (on epoch 0, the whole set).
    ///   - forgetting: ForgottenTopicsData partitions, removed after `adding` is added.
    /// - Returns: the session to fetch, or that it was closed.
    /// - Throws: ``ShareSessionError`` `.notFound`, `.invalidEpoch`, `.limitReached`; the cache is unchanged.
    public func fetch(
        _ key: Key, epoch: Int32, adding: [ShareSessionPartition], forgetting: [ShareSessionPartition]
    ) throws(ShareSessionError) -> FetchContext {
        try sessions.withLock { sessions throws(ShareSessionError) -> FetchContext in
            switch epoch {
            case 0:
                if sessions[key] == nil && sessions.count >= maximumSessions { throw .limitReached }
                let partitions = Set(adding).subtracting(forgetting)
                sessions[key] = Entry(partitions: partitions, nextEpoch: 1)
                return .open(Session(partitions: partitions, nextEpoch: 1, isNew: true))
            case -1:
                guard let entry = sessions.removeValue(forKey: key) else { throw .notFound }
                return .closed(partitions: entry.partitions)
            default:
                guard var entry = sessions[key] else { throw .notFound }
                guard entry.nextEpoch == epoch else { throw .invalidEpoch }
                entry.partitions.formUnion(adding)
                entry.partitions.subtract(forgetting)
                entry.nextEpoch = Self.epoch(after: epoch)
                sessions[key] = entry
                return .open(Session(partitions: entry.partitions, nextEpoch: entry.nextEpoch, isNew: false))
            }
        }
    }

    /// Applies a ShareAcknowledge's session epoch: it must be the next epoch (advanced), or -1 to close.
    /// Epoch 0 cannot open a session here.
    ///
    /// - Parameters:
    ///   - key: the group and member.
    ///   - epoch: ShareSessionEpoch.
    /// - Returns: the partitions of a closed session (epoch -1), to release what the member holds; else nil.
    /// - Throws: ``ShareSessionError`` `.notFound` or `.invalidEpoch`; the cache is unchanged.
    @discardableResult
    public func acknowledge(_ key: Key, epoch: Int32) throws(ShareSessionError) -> Set<ShareSessionPartition>? {
        try sessions.withLock { sessions throws(ShareSessionError) -> Set<ShareSessionPartition>? in
            if epoch == 0 { throw .invalidEpoch }
            if epoch == -1 {
                guard let entry = sessions.removeValue(forKey: key) else { throw .notFound }
                return entry.partitions
            }
            guard var entry = sessions[key] else { throw .notFound }
            guard entry.nextEpoch == epoch else { throw .invalidEpoch }
            entry.nextEpoch = Self.epoch(after: epoch)
            sessions[key] = entry
            return nil
        }
    }

    /// Forgets a member's session (it left the share group or was fenced).
    ///
    /// - Parameter key: the group and member.
    /// - Returns: the partitions the session fetched, or nil when it had none.
    @discardableResult
    public func remove(_ key: Key) -> Set<ShareSessionPartition>? {
        sessions.withLock { $0.removeValue(forKey: key)?.partitions }
    }

    /// Forgets every session of a share group (the group was deleted).
    ///
    /// - Parameter groupId: the share group's id.
    public func removeGroup(_ groupId: String) {
        sessions.withLock { sessions in
            for key in sessions.keys where key.groupId == groupId { sessions.removeValue(forKey: key) }
        }
    }

    /// The epoch after `epoch`; past `Int32.max` it wraps to 1, as 0 and -1 have their own meanings.
    static func epoch(after epoch: Int32) -> Int32 {
        epoch == .max ? 1 : epoch + 1
    }
}
