import NIOCore
import Testing
@testable import SpoolProtocol

@Suite("Schema version rules")
struct VersionRuleTests {
    /// Proves a non-ignorable field with a non-default value refuses to encode in a version without it,
    /// while its default encodes fine (Kafka's UnsupportedVersionException rule).
    @Test func nonIgnorableFieldsRefuseOldVersions() throws {
        let autoCreateOff = MetadataRequest(topics: [], allowAutoTopicCreation: false)
        #expect(throws: KafkaProtocolError.fieldNotSupported("MetadataRequest.allowAutoTopicCreation", version: 3)) {
            try autoCreateOff.encoded(version: 3)
        }
        _ = try MetadataRequest(topics: [], allowAutoTopicCreation: true).encoded(version: 3)
        _ = try autoCreateOff.encoded(version: 4)
    }

    /// Proves an ignorable tagged field is dropped silently before its versions and carried in the tagged
    /// section from them on; absent from the wire it decodes to its default (null).
    @Test func ignorableTaggedField() throws {
        let fetch = FetchRequest(clusterId: "cluster-1", replicaId: -1, maxWaitMs: 500)
        let old = try FetchRequest(decoding: try fetch.encoded(version: 11), version: 11)
        #expect(old.clusterId == nil)
        let flexible = try FetchRequest(decoding: try fetch.encoded(version: 12), version: 12)
        #expect(flexible.clusterId == "cluster-1")
        #expect(flexible.unknownTaggedFields.isEmpty)
    }

    /// Proves a field is decoded only in its versions: ReplicaId travels inline up to v14 and is gone in v15,
    /// where the tagged ReplicaState struct carries it instead.
    @Test func fieldsFollowTheirVersions() throws {
        let v14 = try FetchRequest(decoding: try FetchRequest(replicaId: 3).encoded(version: 14), version: 14)
        #expect(v14.replicaId == 3)
        #expect(throws: KafkaProtocolError.self) { try FetchRequest(replicaId: 3).encoded(version: 15) }
        let state = FetchRequest.ReplicaState(replicaId: 3, replicaEpoch: 9)
        let v15 = try FetchRequest(decoding: try FetchRequest(replicaState: state).encoded(version: 15), version: 15)
        #expect(v15.replicaState == state)
    }

    /// Proves a null is refused in a version that cannot carry it and accepted in one that can.
    @Test func nullableVersions() throws {
        let allTopics = MetadataRequest(topics: nil)
        #expect(throws: KafkaProtocolError.unexpectedNull("array")) { try allTopics.encoded(version: 0) }
        let decoded = try MetadataRequest(decoding: try allTopics.encoded(version: 1), version: 1)
        #expect(decoded.topics == nil)
    }

    /// Proves the compact encodings switch on at the first flexible version.
    @Test func flexibleSwitch() throws {
        let request = FindCoordinatorRequest(key: "g")
        // v2: int16 length 1 + "g" + int8 key type; v3: compact length 2 + "g" + key type + empty tag section.
        #expect(Array(try request.encoded(version: 2).readableBytesView) == [0, 1, 0x67, 0])
        #expect(Array(try request.encoded(version: 3).readableBytesView) == [2, 0x67, 0, 0])
    }
}
