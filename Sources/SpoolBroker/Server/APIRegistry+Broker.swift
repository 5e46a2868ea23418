import Logging
import SpoolMetadata

extension APIRegistry {
    /// Every API the broker answers, each handler given only the parts of the broker it uses. The one place an
    /// API is added: write its handler, register it here.
    /// - Parameters:
    ///   - partitions: the partition layer (Produce, Fetch, ListOffsets, DeleteRecords, OffsetForLeaderEpoch).
    ///   - configuration: the broker's settings.
    ///   - groups: the consumer group coordinator.
    ///   - shareGroups: the share group coordinator (KIP-932 membership).
    ///   - shares: the share-partitions (ShareFetch, ShareAcknowledge).
    ///   - transactions: the transaction coordinator.
    ///   - cluster: this broker's node id, cluster id and advertised address.
    ///   - sasl: SASL for the SASL listeners; nil when no listener uses it.
    ///   - authorizer: the ACL authorizer, nil when none is configured (the ACL APIs answer SECURITY_DISABLED).
    ///   - scramCredentials: the users' salted SCRAM credentials.
    ///   - logger: where handlers log.
    static func broker(partitions: PartitionManager, configuration: BrokerConfiguration, groups: GroupCoordinator,
                       shareGroups: ShareGroupCoordinator, shares: SharePartitionManager,
                       transactions: TransactionCoordinator, cluster: ClusterIdentity, sasl: SaslAuthenticator? = nil,
                       authorizer: Authorizer?, scramCredentials: any ScramCredentialStore,
                       logger: Logger) -> APIRegistry
    {
        let catalog = partitions.catalog
        var registry = APIRegistry()
        registry.register(ProduceHandler(partitions: partitions))
        registry.register(FetchHandler(partitions: partitions))
        registry.register(ListOffsetsHandler(partitions: partitions))
        registry.register(MetadataHandler(cluster: cluster, catalog: catalog, logger: logger))
        registry.register(InitProducerIdHandler(catalog: catalog, transactions: transactions, logger: logger))
        // Transactions: the coordinator's APIs (KIP-98), the client versions below KIP-890's transaction version 2.
        registry.register(AddPartitionsToTxnHandler(catalog: catalog, transactions: transactions))
        registry.register(AddOffsetsToTxnHandler(transactions: transactions))
        registry.register(EndTxnHandler(transactions: transactions))
        registry.register(TxnOffsetCommitHandler(catalog: catalog, groups: groups, transactions: transactions))
        // Transactions admin (KIP-664): what `kafka-transactions.sh` and `spool txn` read.
        registry.register(DescribeTransactionsHandler(transactions: transactions))
        registry.register(ListTransactionsHandler(transactions: transactions))
        registry.register(DescribeProducersHandler(catalog: catalog))
        registry.register(OffsetForLeaderEpochHandler(partitions: partitions))
        registry.register(DeleteRecordsHandler(partitions: partitions))
        registry.register(CreateTopicsHandler(configuration: configuration, catalog: catalog, cluster: cluster))
        registry.register(DeleteTopicsHandler(catalog: catalog, shares: shares))
        registry.register(CreatePartitionsHandler(configuration: configuration, catalog: catalog, cluster: cluster))
        registry.register(
            DescribeConfigsHandler(configuration: configuration, catalog: catalog, cluster: cluster, shares: shares))
        registry.register(
            IncrementalAlterConfigsHandler(
                configuration: configuration, catalog: catalog, shares: shares, logger: logger))
        registry.register(
            AlterConfigsHandler(configuration: configuration, catalog: catalog, shares: shares, logger: logger))
        // SCRAM users (KIP-554): what `kafka-configs --entity-type users` and `spool user` manage.
        registry.register(DescribeUserScramCredentialsHandler(store: scramCredentials))
        registry.register(AlterUserScramCredentialsHandler(store: scramCredentials, logger: logger))
        registry.register(DescribeLogDirsHandler(catalog: catalog, dataDirectory: configuration.dataDirectory))
        registry.register(DescribeClusterHandler(cluster: cluster))
        registry.register(FindCoordinatorHandler(cluster: cluster))
        registry.register(JoinGroupHandler(groups: groups, shareGroups: shareGroups))
        registry.register(SyncGroupHandler(groups: groups))
        registry.register(HeartbeatHandler(groups: groups))
        registry.register(LeaveGroupHandler(groups: groups))
        registry.register(
            OffsetCommitHandler(
                groups: groups, shareGroups: shareGroups, catalog: catalog, groupStore: groups.store, logger: logger))
        registry.register(OffsetFetchHandler(groupStore: groups.store, transactions: transactions, logger: logger))
        registry.register(DescribeGroupsHandler(groups: groups))
        registry.register(ListGroupsHandler(groups: groups, shareGroups: shareGroups))
        registry.register(DeleteGroupsHandler(groups: groups, shareGroups: shareGroups, shares: shares))
        // Share groups (KIP-932): membership, then fetching and acknowledging records in share sessions.
        registry.register(ShareGroupHeartbeatHandler(shareGroups: shareGroups))
        registry.register(ShareFetchHandler(shares: shares, cluster: cluster))
        registry.register(ShareAcknowledgeHandler(shares: shares, cluster: cluster))
        registry.register(ShareGroupDescribeHandler(shareGroups: shareGroups, groups: groups))
        let shareOffsets = ShareGroupOffsetsAccess(shareGroups: shareGroups, groups: groups, shares: shares)
        registry.register(DescribeShareGroupOffsetsHandler(access: shareOffsets))
        registry.register(AlterShareGroupOffsetsHandler(access: shareOffsets, logger: logger))
        registry.register(DeleteShareGroupOffsetsHandler(access: shareOffsets, logger: logger))
        registry.register(
            OffsetDeleteHandler(groups: groups, catalog: catalog, groupStore: groups.store, logger: logger))
        // SASL (KIP-43, KIP-152): served on every listener, answered ILLEGAL_SASL_STATE where SASL is not used.
        registry.register(SaslHandshakeHandler(sasl: sasl))
        registry.register(SaslAuthenticateHandler(sasl: sasl))
        // ACLs (KIP-140): what kafka-acls.sh and `spool acl` use.
        registry.register(CreateAclsHandler(authorizer: authorizer, logger: logger))
        registry.register(DescribeAclsHandler(authorizer: authorizer))
        registry.register(DeleteAclsHandler(authorizer: authorizer, logger: logger))
        registry.registerApiVersions()
        return registry
    }
}

extension RequestDispatcher {
    /// The broker's dispatch: its registry behind request metrics and request logging, refusals logged at most
    /// `refusalLinesPerSecond` a second.
    static func broker(registry: APIRegistry, logger: Logger, refusalLinesPerSecond: Int,
                       sasl: SaslAuthenticator? = nil, authorizer: Authorizer?) -> RequestDispatcher
    {
        RequestDispatcher(
            registry: registry,
            middleware: [RequestMetricsMiddleware(registry: registry), RequestLoggingMiddleware(logger: logger)],
            refusals: RefusalLog(logger: logger, linesPerSecond: refusalLinesPerSecond), sasl: sasl,
            authorizer: authorizer)
    }
}
