import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SpoolLog
import Testing

@testable import SpoolBroker

/// The one wait mechanism on a real event loop: completion at once, on a wake-up, at the deadline, on cancellation.
@Suite struct DelayedOperationsTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let key = DelayedOperationKey.appended(TopicPartition(topic: "t", partition: 0))

    @Test("a condition already true completes at once, without registering")
    func completesAtOnce() async {
        let operations = DelayedOperations()
        let outcome = await operations.wait(on: loop, keys: [key], deadline: .now() + .seconds(10)) { true }
        #expect(outcome == .completed)
        #expect(operations.waitingCount == 0)
    }

    @Test("a wake-up of a watched key completes the wait; a wake-up of another key does not")
    func wakeUp() async throws {
        let operations = DelayedOperations()
        let ready = NIOLockedValueBox(false)
        let outcome = NIOLockedValueBox<DelayedOutcome?>(nil)
        // Registered without a task: the test does not depend on when a loaded runner starts one.
        operations.register(on: loop, keys: [key], deadline: .now() + .seconds(30), isComplete: {
            ready.withLockedValue { $0 }
        }) { result in outcome.withLockedValue { $0 = result } }
        try await waitUntil { operations.waitingCount == 1 }
        ready.withLockedValue { $0 = true }
        operations.wake(.shareAvailable(TopicPartition(topic: "t", partition: 0)))
        try await Task.sleep(for: .milliseconds(100))
        #expect(operations.waitingCount == 1, "a key nobody watches wakes nobody")
        #expect(outcome.withLockedValue { $0 } == nil)
        operations.wake(key)
        try await waitUntil { outcome.withLockedValue { $0 } != nil }
        #expect(outcome.withLockedValue { $0 } == .completed)
        #expect(operations.waitingCount == 0)
    }

    @Test("an event between the caller's check and the registration is not missed")
    func eventBeforeRegistration() async {
        let operations = DelayedOperations()
        let checks = NIOLockedValueBox(0)
        // False on the caller's check, true from the registration's check on: nobody ever calls wake.
        let outcome = await operations.wait(on: loop, keys: [key], deadline: .now() + .seconds(30)) {
            checks.withLockedValue { $0 += 1; return $0 > 1 }
        }
        #expect(outcome == .completed)
        #expect(operations.waitingCount == 0)
    }

    @Test("operations with different deadlines expire in deadline order on one timer, none before its deadline")
    func deadlines() async throws {
        let operations = DelayedOperations()
        // Registered without tasks, so a loaded test runner that starts tasks late cannot reorder them: the
        // outcomes are recorded on the loop, where they happen.
        let start = NIODeadline.now()
        let outcomes = NIOLockedValueBox<[(index: Int, outcome: DelayedOutcome, at: NIODeadline)]>([])
        let delays: [Int64] = [300, 100, 200]
        for (index, delayMs) in delays.enumerated() {
            operations.register(on: loop, keys: [key], deadline: start + .milliseconds(delayMs), isComplete: { false }) {
                outcome in outcomes.withLockedValue { $0.append((index, outcome, .now())) }
            }
        }
        try await waitUntil { outcomes.withLockedValue { $0.count } == 3 }
        let recorded = outcomes.withLockedValue { $0 }
        #expect(recorded.map(\.index) == [1, 2, 0])
        #expect(recorded.allSatisfy { $0.outcome == .expired })
        #expect(recorded.allSatisfy { $0.at >= start + .milliseconds(delays[$0.index]) })
        #expect(operations.waitingCount == 0)
    }

    @Test("cancelling an operation ends it with .cancelled and unregisters it")
    func cancellation() async throws {
        let operations = DelayedOperations()
        let outcomes = NIOLockedValueBox<[DelayedOutcome]>([])
        let id = operations.register(on: loop, keys: [key], deadline: nil, isComplete: { false }) { result in
            outcomes.withLockedValue { $0.append(result) }
        }
        try await waitUntil { operations.waitingCount == 1 }
        operations.cancel(id: id, on: loop)
        try await waitUntil { outcomes.withLockedValue { $0 } == [.cancelled] }
        #expect(operations.waitingCount == 0)
    }

    @Test("cancels that arrive after their operation ended are not kept for ever")
    func lateCancelsForgotten() async throws {
        let operations = DelayedOperations()
        for _ in 0..<100 {
            let done = NIOLockedValueBox(false)
            let id = operations.register(on: loop, keys: [key], deadline: nil, isComplete: { true }) { _ in
                done.withLockedValue { $0 = true }
            }
            try await waitUntil { done.withLockedValue { $0 } }
            operations.cancel(id: id, on: loop)  // as a task cancelled just as its wait completed
        }
        // Held at first (a loaded runner may take over a second for the loop, so not necessarily all 100).
        #expect(try await operations.earlyCancelCount(on: loop) > 0)
        try await Task.sleep(for: .milliseconds(1100))
        let late = operations.register(on: loop, keys: [key], deadline: nil, isComplete: { true }) { _ in }
        try await Task.sleep(for: .milliseconds(50))
        operations.cancel(id: late, on: loop)
        #expect(try await operations.earlyCancelCount(on: loop) == 1, "older late cancels were not dropped")
    }

    @Test("cancelling the task that waits (its connection closed) ends the wait")
    func taskCancellation() async throws {
        let operations = DelayedOperations()
        let waiter = Task { [loop, key] in
            await operations.wait(on: loop, keys: [key], deadline: nil) { false }
        }
        // Generous: on a loaded runner the task may start late.
        try await waitUntil(timeout: .seconds(60)) { operations.waitingCount == 1 }
        waiter.cancel()
        #expect(await waiter.value == .cancelled)
        #expect(operations.waitingCount == 0)
        // A task cancelled before it waits: its cancellation reaches the loop before its registration does.
        let early = Task { [loop, key] in
            withUnsafeCurrentTask { $0?.cancel() }
            return await operations.wait(on: loop, keys: [key], deadline: nil) { false }
        }
        #expect(await early.value == .cancelled)
        #expect(operations.waitingCount == 0)
    }
}

/// Polls `condition` every 10 ms for up to `timeout`.
func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct WaitTimedOut: Error {}
