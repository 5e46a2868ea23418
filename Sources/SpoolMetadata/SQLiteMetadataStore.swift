import Foundation
import GRDB

/// The metadata store in one SQLite file, `<data-dir>/metadata.sqlite`, through GRDB.
///
/// The database runs in WAL mode (a GRDB `DatabasePool`: reads run beside the one writer) with
/// `PRAGMA synchronous = FULL`, so every write is on disk when its call returns, and with foreign keys on,
/// so deleting a topic deletes what belongs to it. Writes are serialised by the pool, each in one transaction.
///
/// Thread-safe: share one instance between every task of a broker. Open only one store per file per
/// process; the broker's data-directory lock keeps other processes out.
public final class SQLiteMetadataStore: MetadataStore {
    /// The database's file name inside the data directory.
    public static let fileName = "metadata.sqlite"

    /// How long a write waits for a lock held by another connection before it fails. Only a second process
    /// (a tool reading the file) can hold one, since this store's own writes are serialised.
    public static let busyTimeoutSeconds: TimeInterval = 5

    /// The database file's path.
    public let path: String

    let pool: DatabasePool
    /// Shares one transaction between concurrent offset commits.
    let commitBatcher: OffsetCommitBatcher
    /// Shares one transaction between concurrent share-partition state saves.
    let shareStateBatcher: ShareStateBatcher

    /// Opens the database in a data directory, creating the directory and the file when they are missing,
    /// and brings its schema up to date.
    ///
    /// Opening does blocking file I/O (and runs migrations the first time): call it once at startup.
    ///
    /// - Parameter dataDirectory: the broker's data directory; the file is `<dataDirectory>/metadata.sqlite`.
    /// - Throws: ``MetadataError`` `.storage` when the directory or file cannot be opened or migrated,
    ///   or when the file was written by a newer Spool whose schema this one does not know.
    public init(dataDirectory: String) throws {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path
        self.path = path
        let pool = try Self.storageErrors {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            return try DatabasePool(path: path, configuration: Self.configuration())
        }
        self.pool = pool
        // The batcher's writer outlives no store: it holds the pool, not the store.
        self.commitBatcher = OffsetCommitBatcher { entries in
            try await SQLiteMetadataStore.storageErrors { try await pool.write { db in
                try SQLiteMetadataStore.writeOffsetBatch(db, entries)
            } }
        }
        self.shareStateBatcher = ShareStateBatcher(
            maximumWeightPerTransaction: Self.maximumShareRangesPerTransaction
        ) { entries in
            try await SQLiteMetadataStore.storageErrors { try await pool.write { db in
                try SQLiteMetadataStore.writeShareStateBatch(db, entries)
            } }
        }
        try Self.storageErrors {
            // GRDB sets the writer to synchronous NORMAL when it turns WAL on, which may lose the last
            // commits on power loss. Only the writer connection commits, so FULL is set there, after GRDB.
            let synchronous = try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            guard synchronous == 2 else {
                throw MetadataError.storage("SQLite refused PRAGMA synchronous = FULL on \(path)")
            }
            let migrator = MetadataSchema.migrator
            // A file migrated by a newer Spool has tables this version would misread: refuse it.
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw MetadataError.storage(
                    "\(path) was written by a newer version of Spool (unknown schema migrations); "
                        + "run that version, or restore a backup")
            }
            try migrator.migrate(pool)
        }
    }

    /// Closes the database. Calls made afterwards fail with ``MetadataError`` `.storage`.
    ///
    /// Call it when no operation is in flight (at shutdown); the store also closes when released.
    ///
    /// - Throws: ``MetadataError`` `.storage` when SQLite cannot close the file.
    public func close() throws {
        try Self.storageErrors { try pool.close() }
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "SpoolMetadata"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        return configuration
    }

    // MARK: - Producer ids

    /// Hands out the next producer id, with epoch 0, advancing the persisted counter in the same transaction.
    ///
    /// Each call costs one fsync; Kafka clients call InitProducerId once per producer, not per batch.
    ///
    /// - Returns: a producer id never handed out before by this database, and epoch 0.
    /// - Throws: ``MetadataError`` `.storage` when the counter cannot be advanced durably.
    public func allocateProducerId() async throws -> (producerId: Int64, producerEpoch: Int16) {
        let producerId = try await write { db in
            let allocated = try Int64.fetchOne(db, sql: """
                UPDATE producer_id_counter SET next_producer_id = next_producer_id + 1
                WHERE singleton = 0 RETURNING next_producer_id - 1
                """)
            guard let allocated else {
                throw MetadataError.storage("the producer id counter row is missing from \(self.path)")
            }
            return allocated
        }
        return (producerId, 0)
    }

    // MARK: - Access with error mapping

    /// Runs `body` in one write transaction (rolled back when it throws) and maps database errors to
    /// ``MetadataError`` `.storage`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storageErrors { try await pool.write(body) }
    }

    /// Runs `body` on a read snapshot that includes every write that has returned.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storageErrors { try await pool.read(body) }
    }

    static func storageErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw mapped(error)
        }
    }

    private static func storageErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw mapped(error)
        }
    }

    /// Keeps this module's own errors and cancellation as they are; anything else is the database failing.
    private static func mapped(_ error: any Error) -> any Error {
        switch error {
        case is MetadataError, is CancellationError: error
        default: MetadataError.storage(String(describing: error))
        }
    }
}
