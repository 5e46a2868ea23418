import ServiceLifecycle

/// Drives the transaction coordinator's clock: every `transaction.abort.timed.out.transaction.cleanup.interval.ms`
/// it finishes transactions left preparing, aborts those open past their timeout and forgets expired ids. The
/// first pass runs at start, so a transaction a crash left preparing is finished at once.
struct TransactionCoordinatorService: Service {
    let coordinator: TransactionCoordinator

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await coordinator.sweep()
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: .milliseconds(coordinator.settings.cleanupIntervalMs))
                }
            } catch {
                break
            }
        }
    }
}
