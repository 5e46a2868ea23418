import Foundation

/// What a finished (or stopped) command left: its exit status (-1 when it outlived its timeout and was
/// terminated), standard output and standard error.
public typealias ProcessOutcome = (status: Int32, stdout: String, stderr: String)

/// Runs a command to completion, bounded by `timeout`, with SPOOL_* variables removed from the environment
/// (`spool` refuses unknown ones) and `environment` added; its output goes through temporary files, so a
/// command that writes much does not block on a full pipe.
/// - Parameters:
///   - executable: the program's path.
///   - arguments: its arguments.
///   - stdin: what to write to its standard input, which is then closed.
///   - environment: variables to set on top of this process's (minus SPOOL_*).
///   - timeout: how long it may run before it is terminated (status -1).
@discardableResult
public func runProcess(
    _ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
    timeout: Duration = .seconds(60)
) async throws -> ProcessOutcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SPOOL_") }
    env.merge(environment) { $1 }
    process.environment = env
    let out = NSTemporaryDirectory() + "spool-test-run-\(UUID().uuidString)"
    let err = out + ".err"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
    }
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: err)
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    if process.isRunning {
        process.terminate()
        try await Task.sleep(for: .milliseconds(200))
    }
    return (
        process.isRunning ? -1 : process.terminationStatus,
        (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    )
}
