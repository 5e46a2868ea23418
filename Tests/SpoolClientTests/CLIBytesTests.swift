import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SpoolTestSupport
import Testing

/// `spool produce` and `spool consume` keep records' bytes: binary values, encodings, formats, tombstones, pipes.
@Suite("spool CLI bytes", .serialized, .timeLimit(.minutes(2)))
struct CLIBytesTests {
    let spool = TestBroker.binary

    /// A file in the temporary directory holding `bytes`, removed by the caller.
    func file(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "spool-cli-bytes-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs `spool ARGS > file` and returns the file's bytes (the test helper reads standard output as text).
    func rawOutput(_ arguments: [String]) async throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "spool-cli-out-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let quoted = ([spool] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let run = try await runProcess("/bin/sh", ["-c", "\(quoted) > '\(path)'"])
        #expect(run.status == 0, "\(run.stderr)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("bytes that are not UTF-8 are stored and printed as they are: ff fe 00 01 stays ff fe 00 01")
    func notUTF8() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let input = try file([0xff, 0xfe, 0x00, 0x01, 0x0a])
        defer { try? FileManager.default.removeItem(atPath: input) }
        let produce = try await runProcess(spool, ["produce", "bin", "--file", input] + b)
        #expect(produce.status == 0, "\(produce.stderr)")
        let out = try await rawOutput(["consume", "bin", "--from-beginning", "--exit-at-end"] + b)
        #expect(out == [0xff, 0xfe, 0x00, 0x01, 0x0a])
        let json = try await runProcess(spool, ["consume", "bin", "--from-beginning", "--exit-at-end", "--format", "json"] + b)
        #expect(json.stdout.contains("\"value\":\"//4AAQ==\""), "\(json.stdout)")
        #expect(json.stdout.contains("\"value_encoding\":\"base64\""), "\(json.stdout)")
    }

    @Test("500 random binary records round-trip byte for byte: raw, base64 in and hex out, and JSON")
    func randomRoundTrip() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        var random = SplitMix64(seed: 0x5EED_B17E)
        // Raw input: any byte but the delimiter (newline) and a trailing carriage return.
        let raw = (0..<500).map { _ in
            (0..<Int(random.next() % 64 + 1)).map { _ in UInt8(random.next() % 256) }.filter { $0 != 0x0a && $0 != 0x0d }
        }
        let rawFile = try file(Array(raw.map { $0 + [0x0a] }.joined()))
        defer { try? FileManager.default.removeItem(atPath: rawFile) }
        #expect(try await runProcess(spool, ["produce", "raw", "--file", rawFile, "--partition", "0"] + b).status == 0)
        let rawOut = try await rawOutput(["consume", "raw", "--from-beginning", "--exit-at-end"] + b)
        #expect(rawOut == Array(raw.map { $0 + [0x0a] }.joined()), "raw bytes changed on the way")

        // Any byte at all, newlines included, written as base64 lines; read back as hex and as JSON.
        let binary = (0..<500).map { _ in (0..<Int(random.next() % 64)).map { _ in UInt8(random.next() % 256) } }
        let base64File = try file(Array(binary.map { Data($0).base64EncodedString() + "\n" }.joined().utf8))
        defer { try? FileManager.default.removeItem(atPath: base64File) }
        let produce = try await runProcess(
            spool, ["produce", "binary", "--file", base64File, "--value-encoding", "base64", "--partition", "0"] + b)
        #expect(produce.status == 0, "\(produce.stderr)")
        let hex = try await runProcess(
            spool, ["consume", "binary", "--from-beginning", "--exit-at-end", "--value-encoding", "hex"] + b)
        let expectedHex = binary.map { $0.map { String(format: "%02x", $0) }.joined() }
        #expect(hex.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            == expectedHex)
        let json = try await runProcess(
            spool, ["consume", "binary", "--from-beginning", "--exit-at-end", "--format", "json"] + b)
        let values = json.stdout.split(separator: "\n").compactMap { line -> [UInt8]? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let value = object["value"] as? String
            else { return nil }
            if object["value_encoding"] as? String == "base64" { return Data(base64Encoded: value).map(Array.init) }
            return Array(value.utf8)
        }
        #expect(values == binary, "JSON lost or changed bytes")
    }

    @Test("format strings, keys without a separator, --key, tombstones and a custom delimiter")
    func formatsAndNulls() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        let produce = try await runProcess(
            spool, ["produce", "f", "--key-separator", "=", "--delimiter", ";", "--empty-as-null", "--partition", "0"]
                + b, stdin: "a=1;novalue=;nokey;=onlyvalue")
        #expect(produce.status == 0, "\(produce.stderr)")
        let out = try await runProcess(
            spool, ["consume", "f", "--from-beginning", "--exit-at-end", "--format", "%o|%k|%v|%K|%S\\n"] + b)
        #expect(out.stdout == "0|a|1|1|1\n1|novalue||7|-1\n2||nokey|-1|5\n3||onlyvalue|-1|9\n", "\(out.stdout)")
        let keyed = try await runProcess(spool, ["produce", "k", "--key", "fixed", "--partition", "0"] + b, stdin: "x\ny\n")
        #expect(keyed.status == 0, "\(keyed.stderr)")
        let keys = try await runProcess(
            spool, ["consume", "k", "--from-beginning", "--exit-at-end", "--format", "%k:%v\\n"] + b)
        #expect(keys.stdout == "fixed:x\nfixed:y\n")
    }

    @Test("consume into a pipe whose reader exits (| head -2) exits too, even when no more records come")
    func closedPipe() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let b = ["-b", broker.bootstrap]
        _ = try await runProcess(spool, ["produce", "p"] + b, stdin: (1...5).map { "r\($0)" }.joined(separator: "\n"))
        let start = ContinuousClock.now
        let piped = try await runProcess(
            "/bin/sh", ["-c", "'\(spool)' consume p --from-beginning -b \(broker.bootstrap) | head -2"],
            timeout: .seconds(30))
        #expect(piped.stdout == "r1\nr2\n")
        #expect(ContinuousClock.now - start < .seconds(20), "consume kept running after head exited")
    }

    @Test("Ctrl-C during an interactive produce sends what was typed, reports the count and exits 130")
    func interruptedProduce() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: spool)
        process.arguments = ["produce", "typed", "-b", broker.bootstrap]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Typed lines, the input left open as a terminal's is.
        input.fileHandleForWriting.write(Data("one\ntwo\nthree\n".utf8))
        let check = ["consume", "typed", "--from-beginning", "--exit-at-end", "-b", broker.bootstrap]
        var seen = ""
        for _ in 0..<100 where seen != "one\ntwo\nthree\n" {
            try await Task.sleep(for: .milliseconds(100))
            seen = try await runProcess(spool, check).stdout
        }
        #expect(seen == "one\ntwo\nthree\n", "typed lines were not sent while the input stayed open")
        kill(process.processIdentifier, SIGINT)
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning, "produce did not end on SIGINT")
        #expect(process.terminationStatus == 130)
        let stderr = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
        #expect(stderr.contains("3 records acknowledged by typed"), "\(stderr)")
        try? input.fileHandleForWriting.close()
    }

    @Test("produce shows a progress line when standard error is a terminal, and none in a pipe")
    func progressLine() async throws {
        let broker = try await TestBroker()
        defer { Task { await broker.stop() } }
        // Two lines, a pause longer than the line's period (250 ms), a third: the line shows the first two.
        let command = "(printf 'a\\nb\\n'; sleep 1.5; printf 'c\\n') | '\(spool)' produce shown -b \(broker.bootstrap)"
        // script(1) runs the command on a pseudo-terminal, as a user's shell would.
        let onTerminal = try await runProcess("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout) \(onTerminal.stderr)")
        #expect(onTerminal.stdout.contains("\r2 records read, 2 acknowledged by shown"), "\(onTerminal.stdout)")
        #expect(onTerminal.stdout.contains("3 records acknowledged by shown"), "\(onTerminal.stdout)")

        let piped = try await runProcess("/bin/sh", ["-c", command])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr == "3 records acknowledged by shown\n", "\(piped.stderr)")
    }
}
