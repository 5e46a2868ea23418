import NIOConcurrencyHelpers
import Testing

@testable import SpoolBroker

/// The two levels of `RequestGate`: a gate opens only after the one before it, and a Produce's early
/// `openChecked()` lets the next Produce's checks start but not a request that needs every earlier effect.
@Suite struct RequestGateTests {
    /// Records which waits have returned, so the test can see what a signal released.
    private final class Returned: Sendable {
        private let names = NIOLockedValueBox<Set<String>>([])
        func add(_ name: String) { names.withLockedValue { _ = $0.insert(name) } }
        var all: Set<String> { names.withLockedValue { $0 } }
    }

    /// Starts a task that waits on `gate` at `level` and records `name` when it returns.
    private func waiting(_ gate: RequestGate, _ level: RequestGate.Level, _ name: String, _ returned: Returned)
        -> Task<Void, Never>
    {
        Task {
            await gate.wait(level)
            returned.add(name)
        }
    }

    /// Lets started tasks run up to their waits (or past them when released).
    private func settle() async throws { try await Task.sleep(for: .milliseconds(50)) }

    @Test("a gate whose request is done stays shut until the gate before it opens")
    func opensInOrder() async throws {
        let first = RequestGate()
        let second = RequestGate(after: first)
        let returned = Returned()
        let afterSecond = waiting(second, .open, "open", returned)
        second.open()
        try await settle()
        #expect(returned.all.isEmpty, "the second request finished first, but the first one's effects are not done")
        first.open()
        await afterSecond.value
        #expect(returned.all == ["open"])
    }

    @Test("openChecked releases a Produce's wait, not a wait for every effect; opening releases both")
    func checkedLevel() async throws {
        let gate = RequestGate()
        let returned = Returned()
        let produce = waiting(gate, .checked, "checked", returned)
        let other = waiting(gate, .open, "open", returned)
        try await settle()
        #expect(returned.all.isEmpty)
        gate.openChecked()
        await produce.value
        try await settle()
        #expect(returned.all == ["checked"])
        gate.open()
        await other.value
        #expect(returned.all == ["checked", "open"])
        // Once open, a wait at either level returns at once.
        await gate.wait(.checked)
        await gate.wait(.open)
    }

    @Test("opening cascades down a chain of finished requests")
    func cascade() async throws {
        var gates = [RequestGate()]
        for _ in 1..<64 { gates.append(RequestGate(after: gates.last)) }
        for gate in gates.dropFirst() { gate.open() }
        let returned = Returned()
        let last = waiting(gates[63], .open, "last", returned)
        try await settle()
        #expect(returned.all.isEmpty)
        gates[0].open()
        await last.value
        #expect(returned.all == ["last"])
    }
}
