import ServiceLifecycle

extension GroupSettings {
    /// The coordinator's settings from the broker's.
    init(configuration: BrokerConfiguration) {
        self.init()
        initialRebalanceDelayMs = configuration.groupInitialRebalanceDelayMs
        minSessionTimeoutMs = configuration.groupMinSessionTimeoutMs
        maxSessionTimeoutMs = configuration.groupMaxSessionTimeoutMs
        offsetsRetentionMs = configuration.offsetsRetentionMinutes * 60_000
    }
}

/// Drives the coordinator's clock: every ``tickIntervalMs`` it expires sessions and ends join and sync
/// phases that are past their deadline; every ``offsetsRetentionCheckIntervalMs`` it expires the offsets
/// of empty groups. The state machines themselves never sleep.
struct GroupCoordinatorService: Service {
    /// How often deadlines are checked: the granularity of session and rebalance timeouts.
    static let tickIntervalMs: Int64 = 100
    /// How often offsets of empty groups are checked for expiry (Kafka's offsets.retention.check.interval.ms).
    static let offsetsRetentionCheckIntervalMs: Int64 = 600_000

    let coordinator: GroupCoordinator
    /// Share groups, whose member sessions expire on the same tick.
    var shareGroups: ShareGroupCoordinator?

    func run() async throws {
        var sinceRetentionCheck: Int64 = 0
        await coordinator.expireOffsets()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(Self.tickIntervalMs))
                }
            } catch {
                break
            }
            coordinator.tick()
            shareGroups?.tick()
            sinceRetentionCheck += Self.tickIntervalMs
            if sinceRetentionCheck >= Self.offsetsRetentionCheckIntervalMs {
                sinceRetentionCheck = 0
                await coordinator.expireOffsets()
            }
        }
        coordinator.shutdown()
    }
}
