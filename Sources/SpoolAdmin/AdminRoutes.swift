import Hummingbird
import Logging
import SpoolBroker

/// Every route of the admin listener.
struct AdminRoutes: Sendable {
    let state: AdminState
    let metrics: AdminServer.MetricsText
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health/live") { _, _ in
            JSONBody.response(["status": "live"])
        }
        router.get("/health/ready") { _, _ in
            readiness()
        }
        router.get("/metrics") { _, _ in
            JSONBody.text(await metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        AdminAPI(state: state).register(on: router)
        ConsoleRoutes().register(on: router)
    }

    /// 200 once the logs are loaded and the Kafka listener accepts, with no partition offline; 503 with the
    /// reason otherwise.
    private func readiness() -> Response {
        let phase = state.phase
        guard phase == .ready, let broker = state.broker else {
            return JSONBody.response(["status": phase.rawValue], status: .serviceUnavailable)
        }
        let offline = broker.offlinePartitions
        guard offline.isEmpty else {
            let shown = offline.prefix(20).map { "\($0.partition): \($0.reason)" }.joined(separator: "; ")
            return JSONBody.response(
                [
                    "status": "failing",
                    "reason": "\(offline.count) partition(s) offline after a disk error (\(shown)); restart the "
                        + "broker to recover them once the disk is sound",
                ], status: .serviceUnavailable)
        }
        return JSONBody.response(["status": "ready"])
    }
}
