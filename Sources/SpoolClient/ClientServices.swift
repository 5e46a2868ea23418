import ServiceLifecycle

/// Producers and consumers as swift-service-lifecycle services, as swift-kafka-client's are: put one in a
/// `ServiceGroup` beside the services that use it, and on SIGTERM/SIGINT (or `triggerGracefulShutdown()`)
/// the producer sends what it still holds and the consumer commits and leaves its group before the group's
/// `run()` returns. The records themselves still flow through `send` and `poll`/`records` from other tasks:
/// `run()` only owns the end of the client's life.
extension Producer: Service {
    /// Waits until graceful shutdown (or cancellation) of the running task, then closes the producer: every
    /// record sent so far is flushed and acknowledged (or failed) before this returns, and later sends throw
    /// `SpoolClientError.closed`.
    /// - Throws: nothing today; `Service` requires the signature.
    public func run() async throws {
        // Cancellation ends the wait as well as graceful shutdown; either way the buffered records
        // are still owed an answer, so close runs in both cases.
        try? await gracefulShutdown()
        await close()
    }
}

extension Consumer: Service {
    /// Waits until graceful shutdown (or cancellation) of the running task, then closes the consumer: with
    /// a group it commits the positions `poll` has returned (when `enableAutoCommit` is on) and leaves the
    /// group, so the other members take over its partitions at once instead of after `sessionTimeoutMs`.
    /// A loop over `records` in another task ends when this returns.
    /// - Throws: nothing today; `Service` requires the signature.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

extension ShareConsumer: Service {
    /// Waits until graceful shutdown (or cancellation) of the running task, then closes the share consumer: the
    /// acknowledgements made so far are sent, its share sessions close (the broker releases the records it
    /// still holds, so other members get them at once) and it leaves its share group. A loop over `records` in
    /// another task ends when this returns.
    /// - Throws: nothing today; `Service` requires the signature.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
