import NIOConcurrencyHelpers
import NIOCore
import SpoolLog
import Synchronization

/// What a delayed operation waits on: an event that may make its condition true.
enum DelayedOperationKey: Hashable, Sendable {
    /// Records were appended to the partition (its log end offset moved): fetches and share fetches wait on this.
    case appended(TopicPartition)
    /// The group-commit fsyncs one acks=all produce waits for have all finished (the produce's `FlushWaits`, by
    /// identity): one key per produce, woken once, whatever the number of partitions it wrote.
    case flushed(ObjectIdentifier)
    /// Records of the partition became available to share groups again (released, rejected locks expired, a
    /// backoff ended, a member left): share fetches wait on this as well as on appends.
    case shareAvailable(TopicPartition)
}

/// How a wait ended.
enum DelayedOutcome: Sendable, Equatable {
    /// The condition held (at once, or after a wake-up).
    case completed
    /// The deadline passed first.
    case expired
    /// The waiting task was cancelled (its connection closed).
    case cancelled
}

/// Every wait of the broker, one mechanism (Kafka's delayed operations and their purgatory): a long-poll fetch,
/// an acks=all produce waiting for its fsync, and the share fetches to come. An operation waits for a condition,
/// woken by events on its keys (appends, fsyncs), until a deadline or until its task is cancelled.
///
/// Operations live on the event loop of their connection, one `LoopPurgatory` per loop with one timer for the
/// earliest deadline, instead of a `Task` sleeping per waiter. A wake-up from any thread looks up which loops
/// watch the key (a lock held for a dictionary lookup) and re-checks only there.
///
/// Thread-safe: the key index is guarded by a lock; each purgatory is confined to its event loop.
final class DelayedOperations: Sendable {
    private struct Index {
        /// Per key, how many operations of each loop's purgatory watch it (loops by their identity).
        var watchers: [DelayedOperationKey: [ObjectIdentifier: Int]] = [:]
        var purgatories: [ObjectIdentifier: LoopPurgatory] = [:]
    }

    private let index = NIOLockedValueBox(Index())
    private let nextId = Atomic<Int>(0)
    private let waiting = Atomic<Int>(0)

    init() {}

    /// Waits until `isComplete` holds, the deadline passes, or the calling task is cancelled. The condition is
    /// checked once when the operation is registered (so an event between the caller's last look and the
    /// registration is not missed), then on `eventLoop` after each wake-up of one of `keys`.
    /// - Parameters:
    ///   - eventLoop: the loop of the connection the operation answers; its timer and checks run there.
    ///   - keys: the events that may make the condition true.
    ///   - deadline: when to give up; nil waits for the condition or cancellation only.
    ///   - isComplete: the condition; cheap and non-blocking (it runs on the event loop).
    /// - Returns: how the wait ended.
    func wait(on eventLoop: any EventLoop, keys: [DelayedOperationKey], deadline: NIODeadline?,
              isComplete: @escaping @Sendable () -> Bool) async -> DelayedOutcome
    {
        if isComplete() { return .completed }
        if let deadline, deadline <= .now() { return .expired }
        let id = nextId.add(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<DelayedOutcome, Never>) in
                register(id: id, on: eventLoop, keys: keys, deadline: deadline, isComplete: isComplete) {
                    continuation.resume(returning: $0)
                }
            }
        } onCancel: {
            cancel(id: id, on: eventLoop)
        }
    }

    /// Registers an operation without a task: `completion` gets its outcome, once, on `eventLoop`. The condition is
    /// checked at registration (on the loop), then after each wake-up of one of `keys`, until `deadline`.
    /// - Returns: the operation's id, for `cancel(id:on:)`.
    @discardableResult
    func register(on eventLoop: any EventLoop, keys: [DelayedOperationKey], deadline: NIODeadline?,
                  isComplete: @escaping @Sendable () -> Bool,
                  completion: @escaping @Sendable (DelayedOutcome) -> Void) -> Int
    {
        let id = nextId.add(1, ordering: .relaxed).newValue
        register(id: id, on: eventLoop, keys: keys, deadline: deadline, isComplete: isComplete, completion: completion)
        return id
    }

    /// Ends an operation with `.cancelled`, if it has not ended yet (also when its registration is still on its way
    /// to the loop).
    func cancel(id: Int, on eventLoop: any EventLoop) {
        let purgatory = purgatory(for: eventLoop)
        eventLoop.execute { purgatory.cancel(id: id, owner: self) }
    }

    private func register(id: Int, on eventLoop: any EventLoop, keys: [DelayedOperationKey], deadline: NIODeadline?,
                          isComplete: @escaping @Sendable () -> Bool,
                          completion: @escaping @Sendable (DelayedOutcome) -> Void)
    {
        let purgatory = purgatory(for: eventLoop)
        let operation = LoopPurgatory.Operation(
            keys: keys, deadline: deadline, isComplete: isComplete, completion: completion)
        eventLoop.execute { purgatory.add(id: id, operation, owner: self) }
    }

    /// Re-checks the operations watching `key`, on their loops. Callable from any thread.
    /// - Parameter key: the event that happened.
    func wake(_ key: DelayedOperationKey) {
        let loops = index.withLockedValue { index -> [LoopPurgatory] in
            guard let watching = index.watchers[key] else { return [] }
            return watching.keys.compactMap { index.purgatories[$0] }
        }
        for purgatory in loops {
            purgatory.eventLoop.execute { purgatory.check(key, owner: self) }
        }
    }

    /// Cancels held for registrations still on their way to `eventLoop`'s queue (for tests).
    func earlyCancelCount(on eventLoop: any EventLoop) async throws -> Int {
        let purgatory = purgatory(for: eventLoop)
        return try await eventLoop.submit { purgatory.earlyCancelCount }.get()
    }

    /// Operations waiting now, over every loop (for tests and metrics).
    var waitingCount: Int { waiting.load(ordering: .relaxed) }

    private func purgatory(for eventLoop: any EventLoop) -> LoopPurgatory {
        let id = ObjectIdentifier(eventLoop)
        return index.withLockedValue { index in
            if let existing = index.purgatories[id] { return existing }
            let created = LoopPurgatory(eventLoop: eventLoop)
            index.purgatories[id] = created
            return created
        }
    }

    /// Counts `purgatory`'s operations on `keys` up (`delta` 1, a registration) or down (-1, an answer).
    fileprivate func watch(_ keys: [DelayedOperationKey], in purgatory: LoopPurgatory, delta: Int) {
        let id = ObjectIdentifier(purgatory.eventLoop)
        index.withLockedValue { index in
            for key in keys {
                let count = index.watchers[key, default: [:]][id, default: 0] + delta
                precondition(count >= 0, "a delayed operation stopped watching a key it did not watch")
                if count == 0 {
                    index.watchers[key]?.removeValue(forKey: id)
                    if index.watchers[key]?.isEmpty == true { index.watchers.removeValue(forKey: key) }
                } else {
                    index.watchers[key, default: [:]][id] = count
                }
            }
        }
        waiting.add(delta, ordering: .relaxed)
    }
}

/// The delayed operations of one event loop, with one timer for the earliest deadline.
///
/// Not thread-safe: confined to `eventLoop` (every method but `init` runs there).
private final class LoopPurgatory: @unchecked Sendable {
    struct Operation: Sendable {
        let keys: [DelayedOperationKey]
        let deadline: NIODeadline?
        let isComplete: @Sendable () -> Bool
        let completion: @Sendable (DelayedOutcome) -> Void
    }

    let eventLoop: any EventLoop
    private var operations: [Int: Operation] = [:]
    private var byKey: [DelayedOperationKey: Set<Int>] = [:]
    /// Operations cancelled before their registration ran, with when: they are answered as soon as it does. A
    /// cancel that comes after its operation already ended (the task was cancelled just as it completed) looks
    /// the same and its registration never comes, so entries older than a second are dropped: a registration
    /// follows its early cancel on this loop's queue at once.
    private var cancelledEarly: [Int: NIODeadline] = [:]
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func add(id: Int, _ operation: Operation, owner: DelayedOperations) {
        eventLoop.preconditionInEventLoop()
        if cancelledEarly.removeValue(forKey: id) != nil { return operation.completion(.cancelled) }
        // Watch first, then check: an event after the check finds the watch and re-checks here (after this
        // returns), and one before it is seen by the check. Checking first would lose an event in between.
        operations[id] = operation
        for key in operation.keys { byKey[key, default: []].insert(id) }
        owner.watch(operation.keys, in: self, delta: 1)
        if operation.isComplete() { return finish(id, .completed, owner: owner) }
        if let deadline = operation.deadline {
            if deadline <= .now() { return finish(id, .expired, owner: owner) }
            if timerDeadline.map({ deadline < $0 }) ?? true { schedule(at: deadline, owner: owner) }
        }
    }

    func cancel(id: Int, owner: DelayedOperations) {
        if operations[id] == nil {
            let now = NIODeadline.now()
            cancelledEarly = cancelledEarly.filter { now - $0.value < .seconds(1) }
            cancelledEarly[id] = now
            return
        }
        finish(id, .cancelled, owner: owner)
    }

    /// Early cancels still held (for tests).
    var earlyCancelCount: Int { cancelledEarly.count }

    func check(_ key: DelayedOperationKey, owner: DelayedOperations) {
        guard let ids = byKey[key] else { return }
        for id in ids {
            if let operation = operations[id], operation.isComplete() { finish(id, .completed, owner: owner) }
        }
    }

    private func finish(_ id: Int, _ outcome: DelayedOutcome, owner: DelayedOperations) {
        guard let operation = operations.removeValue(forKey: id) else { return }
        for key in operation.keys {
            byKey[key]?.remove(id)
            if byKey[key]?.isEmpty == true { byKey.removeValue(forKey: key) }
        }
        owner.watch(operation.keys, in: self, delta: -1)
        operation.completion(outcome)
    }

    private func schedule(at deadline: NIODeadline, owner: DelayedOperations) {
        timer?.cancel()
        timerDeadline = deadline
        timer = eventLoop.scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerDeadline = nil
            expire(owner: owner)
        }
    }

    /// Answers every operation whose deadline has passed, then sets the timer for the next one.
    private func expire(owner: DelayedOperations) {
        let now = NIODeadline.now()
        var next: NIODeadline?
        for (id, operation) in operations {
            guard let deadline = operation.deadline else { continue }
            if deadline <= now {
                finish(id, operation.isComplete() ? .completed : .expired, owner: owner)
            } else if next.map({ deadline < $0 }) ?? true {
                next = deadline
            }
        }
        if let next { schedule(at: next, owner: owner) }
    }
}
