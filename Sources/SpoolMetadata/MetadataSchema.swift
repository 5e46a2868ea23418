import GRDB

/// The metadata database's tables, built by named migrations that run in order when a store opens.
///
/// Rules: a migration that has shipped is never edited; a change is a new migration appended at the end
/// (consumer groups and committed offsets are `v2-…`). A table that belongs to a topic references
/// `topic(name)` with `ON DELETE CASCADE`, so deleting a topic deletes it too (its committed offsets,
/// later) in the same transaction.
enum MetadataSchema {
    /// The first id ``SQLiteMetadataStore/allocateProducerId()`` hands out. Kafka never hands out 0; starting
    /// higher also leaves room below for ids that tests or tools may want to reserve.
    static let firstProducerId: Int64 = 1000

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-topics") { db in
            // name is the key Kafka requests use; topic_id the one newer requests use. Both are unique.
            try db.execute(sql: """
                CREATE TABLE topic (
                    name TEXT NOT NULL PRIMARY KEY,
                    -- The name with '.' read as '_': Kafka refuses two topics that differ only there.
                    collision_key TEXT NOT NULL UNIQUE,
                    topic_id BLOB NOT NULL UNIQUE CHECK (length(topic_id) = 16 AND topic_id != zeroblob(16)),
                    partition_count INTEGER NOT NULL CHECK (partition_count BETWEEN 1 AND 2147483647),
                    created_at_ms INTEGER NOT NULL
                );
                CREATE TABLE topic_config (
                    topic_name TEXT NOT NULL REFERENCES topic(name) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (topic_name, key)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v1-producer-ids") { db in
            // One row: the next producer id to hand out. Advanced in the transaction that hands one out.
            try db.execute(sql: """
                CREATE TABLE producer_id_counter (
                    singleton INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 0),
                    next_producer_id INTEGER NOT NULL CHECK (next_producer_id > 0)
                );
                """)
            try db.execute(
                sql: "INSERT INTO producer_id_counter (singleton, next_producer_id) VALUES (0, ?)",
                arguments: [firstProducerId])
        }
        migrator.registerMigration("v2-groups") { db in
            // What a consumer group needs after a restart: its protocol type, generation, chosen protocol and
            // leader, and when it last changed state (offsets of an empty group expire from that time).
            try db.execute(sql: """
                CREATE TABLE consumer_group (
                    group_id TEXT NOT NULL PRIMARY KEY,
                    protocol_type TEXT,
                    generation_id INTEGER NOT NULL,
                    protocol_name TEXT,
                    leader_id TEXT,
                    state_timestamp_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2-committed-offsets") { db in
            // A group's committed offsets belong to their topic too: deleting the topic deletes them.
            try db.execute(sql: """
                CREATE TABLE committed_offset (
                    group_id TEXT NOT NULL,
                    topic_name TEXT NOT NULL REFERENCES topic(name) ON DELETE CASCADE,
                    partition INTEGER NOT NULL CHECK (partition >= 0),
                    committed_offset INTEGER NOT NULL,
                    leader_epoch INTEGER NOT NULL,
                    metadata TEXT,
                    commit_timestamp_ms INTEGER NOT NULL,
                    PRIMARY KEY (group_id, topic_name, partition)
                ) WITHOUT ROWID;
                CREATE INDEX committed_offset_topic ON committed_offset (topic_name);
                """)
        }
        migrator.registerMigration("v3-topic-deletions") { db in
            // The intent of a topic deletion, written in the transaction that deletes the topic and removed once
            // its partition directories are gone. A start-up that finds a directory bound to one of these topic
            // IDs finishes the deletion instead of setting the directory aside as a stray.
            try db.execute(sql: """
                CREATE TABLE topic_deletion (
                    topic_id BLOB NOT NULL PRIMARY KEY CHECK (length(topic_id) = 16),
                    name TEXT NOT NULL,
                    partition_count INTEGER NOT NULL,
                    deleted_at_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-share-partition-state") { db in
            // One row per share-partition (KIP-932): its start offset, state epoch and in-flight record ranges
            // in SharePartitionSnapshot's versioned binary encoding (see `encodedRanges()`). Deleting the topic
            // deletes its share state too.
            try db.execute(sql: """
                CREATE TABLE share_partition_state (
                    group_id TEXT NOT NULL,
                    topic_name TEXT NOT NULL REFERENCES topic(name) ON DELETE CASCADE,
                    partition INTEGER NOT NULL CHECK (partition >= 0),
                    state_epoch INTEGER NOT NULL,
                    start_offset INTEGER NOT NULL CHECK (start_offset >= 0),
                    ranges BLOB NOT NULL,
                    PRIMARY KEY (group_id, topic_name, partition)
                ) WITHOUT ROWID;
                CREATE INDEX share_partition_state_topic ON share_partition_state (topic_name);
                """)
        }
        migrator.registerMigration("v5-group-configs") { db in
            // A group's config overrides (the GROUP resource of DescribeConfigs / IncrementalAlterConfigs), one
            // row per key; a key without a row takes the broker's default. Share groups are their only users.
            try db.execute(sql: """
                CREATE TABLE group_config (
                    group_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (group_id, name)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v6-transactions") { db in
            // One row per transactional id: the coordinator's state, persisted before every answer. The partitions
            // and groups in the transaction and the offsets it commits are JSON: they are read and written whole,
            // with the row, and a partition of a topic deleted since is skipped when markers are written.
            try db.execute(sql: """
                CREATE TABLE txn_state (
                    transactional_id TEXT NOT NULL PRIMARY KEY,
                    producer_id INTEGER NOT NULL,
                    producer_epoch INTEGER NOT NULL,
                    previous_producer_id INTEGER NOT NULL,
                    timeout_ms INTEGER NOT NULL CHECK (timeout_ms > 0),
                    state TEXT NOT NULL CHECK (state IN ('Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort',
                        'CompleteCommit', 'CompleteAbort', 'Dead')),
                    txn_start_ms INTEGER NOT NULL,
                    last_update_ms INTEGER NOT NULL,
                    partitions TEXT NOT NULL,
                    groups TEXT NOT NULL,
                    pending_offsets TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX txn_state_producer ON txn_state (producer_id);
                """)
        }
        migrator.registerMigration("v7-scram-credentials") { db in
            // Salted SCRAM credentials (RFC 5802's server side: salt, iterations, StoredKey, ServerKey), one per
            // user and mechanism; the password itself is never stored. The user name is unescaped.
            try db.execute(sql: """
                CREATE TABLE scram_credential (
                    user_name TEXT NOT NULL,
                    mechanism TEXT NOT NULL CHECK (mechanism IN ('SCRAM-SHA-256', 'SCRAM-SHA-512')),
                    salt BLOB NOT NULL CHECK (length(salt) > 0),
                    iterations INTEGER NOT NULL CHECK (iterations > 0),
                    stored_key BLOB NOT NULL,
                    server_key BLOB NOT NULL,
                    PRIMARY KEY (user_name, mechanism)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v8-acls") { db in
            // One row per ACL binding, spelled with Kafka's names (TOPIC, PREFIXED, User:alice, READ, ALLOW) so
            // that the table reads as kafka-acls.sh prints it. A binding is its whole row: creating one twice
            // leaves one.
            try db.execute(sql: """
                CREATE TABLE acl (
                    resource_type TEXT NOT NULL,
                    resource_name TEXT NOT NULL,
                    pattern_type TEXT NOT NULL CHECK (pattern_type IN ('LITERAL', 'PREFIXED')),
                    principal TEXT NOT NULL,
                    host TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    permission_type TEXT NOT NULL CHECK (permission_type IN ('ALLOW', 'DENY')),
                    PRIMARY KEY (resource_type, resource_name, pattern_type, principal, host, operation,
                        permission_type)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
