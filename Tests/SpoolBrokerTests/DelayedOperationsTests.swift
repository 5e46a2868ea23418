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
        let waiter = Task { [loop, key] in
            await operations.wait(on: loop, keys: [key], deadline: .now() + .seconds(30)) {
                ready.withLockedValue { $0 }
            }
        }
        try await waitUntil { operations.waitingCount == 1 }
        ready.withLockedValue { $0 = true }
        operations.wake(.flushed(TopicPartition(topic: "t", partition: 0)))
        try await Task.sleep(for: .milliseconds(100))
        #expect(operations.waitingCount == 1, "a key nobody watches wakes nobody")
        operations.wake(key)
        #expect(await waiter.value == .completed)
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

    @Test("waits with different deadlines expire in deadline order, each no earlier than its deadline")
    func deadlines() async throws {
        let operations = DelayedOperations()
        // Deadlines 3 s out: the three waits register well before the first passes, even on a loaded machine
        // whose test runner starts tasks late.
        let start = NIODeadline.now() + .seconds(3)
        // The condition is checked by the caller, at registration, and last at expiry (on the loop, in expiry
        // order): the third check of each operation records its place.
        let checks = NIOLockedValueBox<[Int: Int]>([:])
        let order = NIOLockedValueBox<[Int]>([])
        await withTaskGroup(of: Void.self) { group in
            for (index, delayMs) in [(0, 300), (1, 100), (2, 200)] {
                group.addTask { [loop, key] in
                    let outcome = await operations.wait(
                        on: loop, keys: [key], deadline: start + .milliseconds(Int64(delayMs))
                    ) {
                        let count = checks.withLockedValue { $0[index, default: 0] += 1; return $0[index, default: 0] }
                        if count == 3 { order.withLockedValue { $0.append(index) } }
                        return false
                    }
                    #expect(outcome == .expired)
                    #expect(NIODeadline.now() >= start + .milliseconds(Int64(delayMs)))
                }
            }
            try? await waitUntil { operations.waitingCount == 3 }
            #expect(NIODeadline.now() < start, "the three waits registered before the first deadline")
        }
        #expect(order.withLockedValue { $0 } == [1, 2, 0])
        #expect(operations.waitingCount == 0)
    }

    @Test("cancelling the waiting task (its connection closed) ends the wait and unregisters it")
    func cancellation() async throws {
        let operations = DelayedOperations()
        let waiter = Task { [loop, key] in
            await operations.wait(on: loop, keys: [key], deadline: nil) { false }
        }
        try await waitUntil { operations.waitingCount == 1 }
        waiter.cancel()
        #expect(await waiter.value == .cancelled)
        #expect(operations.waitingCount == 0)
        // A task cancelled before it waits is answered at once too.
        let early = Task { [loop, key] in
            withUnsafeCurrentTask { $0?.cancel() }
            return await operations.wait(on: loop, keys: [key], deadline: nil) { false }
        }
        #expect(await early.value == .cancelled)
        #expect(operations.waitingCount == 0)
    }
}

/// Polls `condition` every 10 ms for up to 10 s.
func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

struct WaitTimedOut: Error {}
