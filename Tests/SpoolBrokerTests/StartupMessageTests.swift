import Foundation
import NIOCore
import SpoolBroker
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What an operator reads when `spool serve` cannot start: the real binary, its exit status and its message,
/// which must name what failed (the address, the file) and say what to do.
@Suite struct StartupMessageTests {
    @Test("a listen address another broker holds stops start-up with exit 1, the address and what to do")
    func addressInUse() async throws {
        let first = try await RunningBroker()
        defer { try? FileManager.default.removeItem(atPath: first.dataDirectory) }
        let dataDir = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let second = try SpoolProcess(["serve", "--data-dir", dataDir, "--listen", first.bootstrap])
        #expect(try await second.waitForExit() == 1)
        #expect(second.stderr.contains("cannot listen on \(first.bootstrap) (listen)"), "\(second.stderr)")
        #expect(second.stderr.contains("already in use"))
        #expect(second.stderr.contains("--listen HOST:PORT"))
        #expect(try await first.stop() == 0)
    }

    @Test("a listen host that is not this machine's stops start-up with exit 1 and names the address")
    func addressNotAvailable() async throws {
        let dataDir = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a host.
        let spool = try SpoolProcess(["serve", "--data-dir", dataDir, "--listen", "192.0.2.1:9092"])
        #expect(try await spool.waitForExit() == 1)
        #expect(spool.stderr.contains("cannot listen on 192.0.2.1:9092 (listen)"), "\(spool.stderr)")
        #expect(spool.stderr.contains("not an address of this machine"))
    }

    @Test("a privileged port's EACCES is explained as ports below 1024 needing root or CAP_NET_BIND_SERVICE")
    func permissionDeniedMessage() {
        // Built from the error NIO throws for a non-root bind: the tests run as root here, where it would succeed.
        let error = ListenerBindError(
            address: "0.0.0.0:80", error: IOError(errnoCode: EACCES, reason: "bind(descriptor:ptr:bytes:)"))
        #expect(error.errnoCode == EACCES)
        #expect(error.description.contains("cannot listen on 0.0.0.0:80 (listen): permission denied"))
        #expect(error.description.contains("CAP_NET_BIND_SERVICE"))
    }

    @Test("--config naming a missing file stops start-up with exit 2 and the path, without Foundation's dump")
    func missingConfigFile() async throws {
        let path = NSTemporaryDirectory() + "spool-missing-\(UUID().uuidString).yaml"
        let spool = try SpoolProcess(["serve", "--config", path])
        #expect(try await spool.waitForExit() == 2)
        #expect(spool.stderr.contains("configuration file \(path) does not exist"), "\(spool.stderr)")
        #expect(spool.stderr.contains("leave --config out"))
        #expect(!spool.stderr.contains("NSCocoaErrorDomain"))
    }

    @Test("--config naming a directory is refused in words")
    func configIsDirectory() async throws {
        let directory = temporaryDataDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try SpoolProcess(["serve", "--config", directory])
        #expect(try await spool.waitForExit() == 2)
        #expect(spool.stderr.contains("configuration file \(directory) is a directory"), "\(spool.stderr)")
    }
}
