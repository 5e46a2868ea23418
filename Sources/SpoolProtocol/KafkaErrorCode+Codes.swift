/// Every Kafka error code by the name Spool uses for it: Kafka's name in lower camel case.
extension KafkaErrorCode {
    /// `UNKNOWN_SERVER_ERROR` (-1).
    public static let unknownServerError = KafkaErrorCode(rawValue: -1)
    /// `NONE` (0).
    public static let none = KafkaErrorCode(rawValue: 0)
    /// `OFFSET_OUT_OF_RANGE` (1).
    public static let offsetOutOfRange = KafkaErrorCode(rawValue: 1)
    /// `CORRUPT_MESSAGE` (2), retriable.
    public static let corruptMessage = KafkaErrorCode(rawValue: 2)
    /// `UNKNOWN_TOPIC_OR_PARTITION` (3), retriable.
    public static let unknownTopicOrPartition = KafkaErrorCode(rawValue: 3)
    /// `INVALID_FETCH_SIZE` (4).
    public static let invalidFetchSize = KafkaErrorCode(rawValue: 4)
    /// `LEADER_NOT_AVAILABLE` (5), retriable.
    public static let leaderNotAvailable = KafkaErrorCode(rawValue: 5)
    /// `NOT_LEADER_OR_FOLLOWER` (6), retriable.
    public static let notLeaderOrFollower = KafkaErrorCode(rawValue: 6)
    /// `REQUEST_TIMED_OUT` (7), retriable.
    public static let requestTimedOut = KafkaErrorCode(rawValue: 7)
    /// `BROKER_NOT_AVAILABLE` (8).
    public static let brokerNotAvailable = KafkaErrorCode(rawValue: 8)
    /// `REPLICA_NOT_AVAILABLE` (9), retriable.
    public static let replicaNotAvailable = KafkaErrorCode(rawValue: 9)
    /// `MESSAGE_TOO_LARGE` (10).
    public static let messageTooLarge = KafkaErrorCode(rawValue: 10)
    /// `STALE_CONTROLLER_EPOCH` (11).
    public static let staleControllerEpoch = KafkaErrorCode(rawValue: 11)
    /// `OFFSET_METADATA_TOO_LARGE` (12).
    public static let offsetMetadataTooLarge = KafkaErrorCode(rawValue: 12)
    /// `NETWORK_EXCEPTION` (13), retriable.
    public static let networkException = KafkaErrorCode(rawValue: 13)
    /// `COORDINATOR_LOAD_IN_PROGRESS` (14), retriable.
    public static let coordinatorLoadInProgress = KafkaErrorCode(rawValue: 14)
    /// `COORDINATOR_NOT_AVAILABLE` (15), retriable.
    public static let coordinatorNotAvailable = KafkaErrorCode(rawValue: 15)
    /// `NOT_COORDINATOR` (16), retriable.
    public static let notCoordinator = KafkaErrorCode(rawValue: 16)
    /// `INVALID_TOPIC_EXCEPTION` (17).
    public static let invalidTopicException = KafkaErrorCode(rawValue: 17)
    /// `RECORD_LIST_TOO_LARGE` (18).
    public static let recordListTooLarge = KafkaErrorCode(rawValue: 18)
    /// `NOT_ENOUGH_REPLICAS` (19), retriable.
    public static let notEnoughReplicas = KafkaErrorCode(rawValue: 19)
    /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (20), retriable.
    public static let notEnoughReplicasAfterAppend = KafkaErrorCode(rawValue: 20)
    /// `INVALID_REQUIRED_ACKS` (21).
    public static let invalidRequiredAcks = KafkaErrorCode(rawValue: 21)
    /// `ILLEGAL_GENERATION` (22).
    public static let illegalGeneration = KafkaErrorCode(rawValue: 22)
    /// `INCONSISTENT_GROUP_PROTOCOL` (23).
    public static let inconsistentGroupProtocol = KafkaErrorCode(rawValue: 23)
    /// `INVALID_GROUP_ID` (24).
    public static let invalidGroupId = KafkaErrorCode(rawValue: 24)
    /// `UNKNOWN_MEMBER_ID` (25).
    public static let unknownMemberId = KafkaErrorCode(rawValue: 25)
    /// `INVALID_SESSION_TIMEOUT` (26).
    public static let invalidSessionTimeout = KafkaErrorCode(rawValue: 26)
    /// `REBALANCE_IN_PROGRESS` (27).
    public static let rebalanceInProgress = KafkaErrorCode(rawValue: 27)
    /// `INVALID_COMMIT_OFFSET_SIZE` (28).
    public static let invalidCommitOffsetSize = KafkaErrorCode(rawValue: 28)
    /// `TOPIC_AUTHORIZATION_FAILED` (29).
    public static let topicAuthorizationFailed = KafkaErrorCode(rawValue: 29)
    /// `GROUP_AUTHORIZATION_FAILED` (30).
    public static let groupAuthorizationFailed = KafkaErrorCode(rawValue: 30)
    /// `CLUSTER_AUTHORIZATION_FAILED` (31).
    public static let clusterAuthorizationFailed = KafkaErrorCode(rawValue: 31)
    /// `INVALID_TIMESTAMP` (32).
    public static let invalidTimestamp = KafkaErrorCode(rawValue: 32)
    /// `UNSUPPORTED_SASL_MECHANISM` (33).
    public static let unsupportedSaslMechanism = KafkaErrorCode(rawValue: 33)
    /// `ILLEGAL_SASL_STATE` (34).
    public static let illegalSaslState = KafkaErrorCode(rawValue: 34)
    /// `UNSUPPORTED_VERSION` (35).
    public static let unsupportedVersion = KafkaErrorCode(rawValue: 35)
    /// `TOPIC_ALREADY_EXISTS` (36).
    public static let topicAlreadyExists = KafkaErrorCode(rawValue: 36)
    /// `INVALID_PARTITIONS` (37).
    public static let invalidPartitions = KafkaErrorCode(rawValue: 37)
    /// `INVALID_REPLICATION_FACTOR` (38).
    public static let invalidReplicationFactor = KafkaErrorCode(rawValue: 38)
    /// `INVALID_REPLICA_ASSIGNMENT` (39).
    public static let invalidReplicaAssignment = KafkaErrorCode(rawValue: 39)
    /// `INVALID_CONFIG` (40).
    public static let invalidConfig = KafkaErrorCode(rawValue: 40)
    /// `NOT_CONTROLLER` (41), retriable.
    public static let notController = KafkaErrorCode(rawValue: 41)
    /// `INVALID_REQUEST` (42).
    public static let invalidRequest = KafkaErrorCode(rawValue: 42)
    /// `UNSUPPORTED_FOR_MESSAGE_FORMAT` (43).
    public static let unsupportedForMessageFormat = KafkaErrorCode(rawValue: 43)
    /// `POLICY_VIOLATION` (44).
    public static let policyViolation = KafkaErrorCode(rawValue: 44)
    /// `OUT_OF_ORDER_SEQUENCE_NUMBER` (45).
    public static let outOfOrderSequenceNumber = KafkaErrorCode(rawValue: 45)
    /// `DUPLICATE_SEQUENCE_NUMBER` (46).
    public static let duplicateSequenceNumber = KafkaErrorCode(rawValue: 46)
    /// `INVALID_PRODUCER_EPOCH` (47).
    public static let invalidProducerEpoch = KafkaErrorCode(rawValue: 47)
    /// `INVALID_TXN_STATE` (48).
    public static let invalidTxnState = KafkaErrorCode(rawValue: 48)
    /// `INVALID_PRODUCER_ID_MAPPING` (49).
    public static let invalidProducerIdMapping = KafkaErrorCode(rawValue: 49)
    /// `INVALID_TRANSACTION_TIMEOUT` (50).
    public static let invalidTransactionTimeout = KafkaErrorCode(rawValue: 50)
    /// `CONCURRENT_TRANSACTIONS` (51), retriable.
    public static let concurrentTransactions = KafkaErrorCode(rawValue: 51)
    /// `TRANSACTION_COORDINATOR_FENCED` (52).
    public static let transactionCoordinatorFenced = KafkaErrorCode(rawValue: 52)
    /// `TRANSACTIONAL_ID_AUTHORIZATION_FAILED` (53).
    public static let transactionalIdAuthorizationFailed = KafkaErrorCode(rawValue: 53)
    /// `SECURITY_DISABLED` (54).
    public static let securityDisabled = KafkaErrorCode(rawValue: 54)
    /// `OPERATION_NOT_ATTEMPTED` (55).
    public static let operationNotAttempted = KafkaErrorCode(rawValue: 55)
    /// `KAFKA_STORAGE_ERROR` (56), retriable.
    public static let kafkaStorageError = KafkaErrorCode(rawValue: 56)
    /// `LOG_DIR_NOT_FOUND` (57).
    public static let logDirNotFound = KafkaErrorCode(rawValue: 57)
    /// `SASL_AUTHENTICATION_FAILED` (58).
    public static let saslAuthenticationFailed = KafkaErrorCode(rawValue: 58)
    /// `UNKNOWN_PRODUCER_ID` (59).
    public static let unknownProducerId = KafkaErrorCode(rawValue: 59)
    /// `REASSIGNMENT_IN_PROGRESS` (60).
    public static let reassignmentInProgress = KafkaErrorCode(rawValue: 60)
    /// `DELEGATION_TOKEN_AUTH_DISABLED` (61).
    public static let delegationTokenAuthDisabled = KafkaErrorCode(rawValue: 61)
    /// `DELEGATION_TOKEN_NOT_FOUND` (62).
    public static let delegationTokenNotFound = KafkaErrorCode(rawValue: 62)
    /// `DELEGATION_TOKEN_OWNER_MISMATCH` (63).
    public static let delegationTokenOwnerMismatch = KafkaErrorCode(rawValue: 63)
    /// `DELEGATION_TOKEN_REQUEST_NOT_ALLOWED` (64).
    public static let delegationTokenRequestNotAllowed = KafkaErrorCode(rawValue: 64)
    /// `DELEGATION_TOKEN_AUTHORIZATION_FAILED` (65).
    public static let delegationTokenAuthorizationFailed = KafkaErrorCode(rawValue: 65)
    /// `DELEGATION_TOKEN_EXPIRED` (66).
    public static let delegationTokenExpired = KafkaErrorCode(rawValue: 66)
    /// `INVALID_PRINCIPAL_TYPE` (67).
    public static let invalidPrincipalType = KafkaErrorCode(rawValue: 67)
    /// `NON_EMPTY_GROUP` (68).
    public static let nonEmptyGroup = KafkaErrorCode(rawValue: 68)
    /// `GROUP_ID_NOT_FOUND` (69).
    public static let groupIdNotFound = KafkaErrorCode(rawValue: 69)
    /// `FETCH_SESSION_ID_NOT_FOUND` (70), retriable.
    public static let fetchSessionIdNotFound = KafkaErrorCode(rawValue: 70)
    /// `INVALID_FETCH_SESSION_EPOCH` (71), retriable.
    public static let invalidFetchSessionEpoch = KafkaErrorCode(rawValue: 71)
    /// `LISTENER_NOT_FOUND` (72), retriable.
    public static let listenerNotFound = KafkaErrorCode(rawValue: 72)
    /// `TOPIC_DELETION_DISABLED` (73).
    public static let topicDeletionDisabled = KafkaErrorCode(rawValue: 73)
    /// `FENCED_LEADER_EPOCH` (74), retriable.
    public static let fencedLeaderEpoch = KafkaErrorCode(rawValue: 74)
    /// `UNKNOWN_LEADER_EPOCH` (75), retriable.
    public static let unknownLeaderEpoch = KafkaErrorCode(rawValue: 75)
    /// `UNSUPPORTED_COMPRESSION_TYPE` (76).
    public static let unsupportedCompressionType = KafkaErrorCode(rawValue: 76)
    /// `STALE_BROKER_EPOCH` (77).
    public static let staleBrokerEpoch = KafkaErrorCode(rawValue: 77)
    /// `OFFSET_NOT_AVAILABLE` (78), retriable.
    public static let offsetNotAvailable = KafkaErrorCode(rawValue: 78)
    /// `MEMBER_ID_REQUIRED` (79).
    public static let memberIdRequired = KafkaErrorCode(rawValue: 79)
    /// `PREFERRED_LEADER_NOT_AVAILABLE` (80), retriable.
    public static let preferredLeaderNotAvailable = KafkaErrorCode(rawValue: 80)
    /// `GROUP_MAX_SIZE_REACHED` (81).
    public static let groupMaxSizeReached = KafkaErrorCode(rawValue: 81)
    /// `FENCED_INSTANCE_ID` (82).
    public static let fencedInstanceId = KafkaErrorCode(rawValue: 82)
    /// `ELIGIBLE_LEADERS_NOT_AVAILABLE` (83), retriable.
    public static let eligibleLeadersNotAvailable = KafkaErrorCode(rawValue: 83)
    /// `ELECTION_NOT_NEEDED` (84), retriable.
    public static let electionNotNeeded = KafkaErrorCode(rawValue: 84)
    /// `NO_REASSIGNMENT_IN_PROGRESS` (85).
    public static let noReassignmentInProgress = KafkaErrorCode(rawValue: 85)
    /// `GROUP_SUBSCRIBED_TO_TOPIC` (86).
    public static let groupSubscribedToTopic = KafkaErrorCode(rawValue: 86)
    /// `INVALID_RECORD` (87).
    public static let invalidRecord = KafkaErrorCode(rawValue: 87)
    /// `UNSTABLE_OFFSET_COMMIT` (88), retriable.
    public static let unstableOffsetCommit = KafkaErrorCode(rawValue: 88)
    /// `THROTTLING_QUOTA_EXCEEDED` (89), retriable.
    public static let throttlingQuotaExceeded = KafkaErrorCode(rawValue: 89)
    /// `PRODUCER_FENCED` (90).
    public static let producerFenced = KafkaErrorCode(rawValue: 90)
    /// `RESOURCE_NOT_FOUND` (91).
    public static let resourceNotFound = KafkaErrorCode(rawValue: 91)
    /// `DUPLICATE_RESOURCE` (92).
    public static let duplicateResource = KafkaErrorCode(rawValue: 92)
    /// `UNACCEPTABLE_CREDENTIAL` (93).
    public static let unacceptableCredential = KafkaErrorCode(rawValue: 93)
    /// `INCONSISTENT_VOTER_SET` (94).
    public static let inconsistentVoterSet = KafkaErrorCode(rawValue: 94)
    /// `INVALID_UPDATE_VERSION` (95).
    public static let invalidUpdateVersion = KafkaErrorCode(rawValue: 95)
    /// `FEATURE_UPDATE_FAILED` (96).
    public static let featureUpdateFailed = KafkaErrorCode(rawValue: 96)
    /// `PRINCIPAL_DESERIALIZATION_FAILURE` (97).
    public static let principalDeserializationFailure = KafkaErrorCode(rawValue: 97)
    /// `SNAPSHOT_NOT_FOUND` (98).
    public static let snapshotNotFound = KafkaErrorCode(rawValue: 98)
    /// `POSITION_OUT_OF_RANGE` (99).
    public static let positionOutOfRange = KafkaErrorCode(rawValue: 99)
    /// `UNKNOWN_TOPIC_ID` (100), retriable.
    public static let unknownTopicId = KafkaErrorCode(rawValue: 100)
    /// `DUPLICATE_BROKER_REGISTRATION` (101).
    public static let duplicateBrokerRegistration = KafkaErrorCode(rawValue: 101)
    /// `BROKER_ID_NOT_REGISTERED` (102).
    public static let brokerIdNotRegistered = KafkaErrorCode(rawValue: 102)
    /// `INCONSISTENT_TOPIC_ID` (103), retriable.
    public static let inconsistentTopicId = KafkaErrorCode(rawValue: 103)
    /// `INCONSISTENT_CLUSTER_ID` (104).
    public static let inconsistentClusterId = KafkaErrorCode(rawValue: 104)
    /// `TRANSACTIONAL_ID_NOT_FOUND` (105).
    public static let transactionalIdNotFound = KafkaErrorCode(rawValue: 105)
    /// `FETCH_SESSION_TOPIC_ID_ERROR` (106), retriable.
    public static let fetchSessionTopicIdError = KafkaErrorCode(rawValue: 106)
    /// `INELIGIBLE_REPLICA` (107).
    public static let ineligibleReplica = KafkaErrorCode(rawValue: 107)
    /// `NEW_LEADER_ELECTED` (108).
    public static let newLeaderElected = KafkaErrorCode(rawValue: 108)
    /// `OFFSET_MOVED_TO_TIERED_STORAGE` (109).
    public static let offsetMovedToTieredStorage = KafkaErrorCode(rawValue: 109)
    /// `FENCED_MEMBER_EPOCH` (110).
    public static let fencedMemberEpoch = KafkaErrorCode(rawValue: 110)
    /// `UNRELEASED_INSTANCE_ID` (111).
    public static let unreleasedInstanceId = KafkaErrorCode(rawValue: 111)
    /// `UNSUPPORTED_ASSIGNOR` (112).
    public static let unsupportedAssignor = KafkaErrorCode(rawValue: 112)
    /// `STALE_MEMBER_EPOCH` (113).
    public static let staleMemberEpoch = KafkaErrorCode(rawValue: 113)
    /// `MISMATCHED_ENDPOINT_TYPE` (114).
    public static let mismatchedEndpointType = KafkaErrorCode(rawValue: 114)
    /// `UNSUPPORTED_ENDPOINT_TYPE` (115).
    public static let unsupportedEndpointType = KafkaErrorCode(rawValue: 115)
    /// `UNKNOWN_CONTROLLER_ID` (116).
    public static let unknownControllerId = KafkaErrorCode(rawValue: 116)
    /// `UNKNOWN_SUBSCRIPTION_ID` (117).
    public static let unknownSubscriptionId = KafkaErrorCode(rawValue: 117)
    /// `TELEMETRY_TOO_LARGE` (118).
    public static let telemetryTooLarge = KafkaErrorCode(rawValue: 118)
    /// `INVALID_REGISTRATION` (119).
    public static let invalidRegistration = KafkaErrorCode(rawValue: 119)
    /// `TRANSACTION_ABORTABLE` (120).
    public static let transactionAbortable = KafkaErrorCode(rawValue: 120)
    /// `INVALID_RECORD_STATE` (121).
    public static let invalidRecordState = KafkaErrorCode(rawValue: 121)
    /// `SHARE_SESSION_NOT_FOUND` (122), retriable.
    public static let shareSessionNotFound = KafkaErrorCode(rawValue: 122)
    /// `INVALID_SHARE_SESSION_EPOCH` (123), retriable.
    public static let invalidShareSessionEpoch = KafkaErrorCode(rawValue: 123)
    /// `FENCED_STATE_EPOCH` (124).
    public static let fencedStateEpoch = KafkaErrorCode(rawValue: 124)
    /// `INVALID_VOTER_KEY` (125).
    public static let invalidVoterKey = KafkaErrorCode(rawValue: 125)
    /// `DUPLICATE_VOTER` (126).
    public static let duplicateVoter = KafkaErrorCode(rawValue: 126)
    /// `VOTER_NOT_FOUND` (127).
    public static let voterNotFound = KafkaErrorCode(rawValue: 127)
    /// `INVALID_REGULAR_EXPRESSION` (128).
    public static let invalidRegularExpression = KafkaErrorCode(rawValue: 128)
    /// `REBOOTSTRAP_REQUIRED` (129).
    public static let rebootstrapRequired = KafkaErrorCode(rawValue: 129)
    /// `STREAMS_INVALID_TOPOLOGY` (130).
    public static let streamsInvalidTopology = KafkaErrorCode(rawValue: 130)
    /// `STREAMS_INVALID_TOPOLOGY_EPOCH` (131).
    public static let streamsInvalidTopologyEpoch = KafkaErrorCode(rawValue: 131)
    /// `STREAMS_TOPOLOGY_FENCED` (132).
    public static let streamsTopologyFenced = KafkaErrorCode(rawValue: 132)
    /// `SHARE_SESSION_LIMIT_REACHED` (133), retriable: the broker holds `group.share.max.share.sessions` sessions.
    public static let shareSessionLimitReached = KafkaErrorCode(rawValue: 133)
}
